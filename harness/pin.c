/*
 * pin.c - keeps the measuring thread on one PU so that timings do not
 * include migrations. The last core is chosen because the OS tends to put
 * interrupts and housekeeping on core 0. hwloc is told to bind and then
 * asked where the thread is, since binding on a topology that is not this
 * machine (HWLOC_SYNTHETIC, an XML file) "succeeds" and does nothing.
 */
#include "harness/harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

struct kh_pin {
	hwloc_topology_t topo;
};

kh_pin *kh_pin_thread(FILE *log)
{
	kh_pin *p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(log, "pin: warning: out of memory, thread not bound\n");
		return NULL;
	}
	if (hwloc_topology_init(&p->topo) != 0) {
		fprintf(log, "pin: warning: hwloc_topology_init failed, thread not bound\n");
		free(p);
		return NULL;
	}
	if (hwloc_topology_load(p->topo) != 0) {
		fprintf(log, "pin: warning: hwloc_topology_load failed, thread not bound\n");
		hwloc_topology_destroy(p->topo);
		free(p);
		return NULL;
	}

	const int n_cores = hwloc_get_nbobjs_by_type(p->topo, HWLOC_OBJ_CORE);
	hwloc_obj_t core =
	    n_cores > 0 ? hwloc_get_obj_by_type(p->topo, HWLOC_OBJ_CORE, (unsigned)n_cores - 1)
			: NULL;
	hwloc_obj_t pu = NULL;
	if (core)
		pu = hwloc_get_obj_inside_cpuset_by_type(p->topo, core->cpuset, HWLOC_OBJ_PU, 0);
	if (!pu) { /* no core level: take the last PU */
		const int n_pus = hwloc_get_nbobjs_by_type(p->topo, HWLOC_OBJ_PU);
		if (n_pus > 0)
			pu = hwloc_get_obj_by_type(p->topo, HWLOC_OBJ_PU, (unsigned)n_pus - 1);
	}
	if (!pu) {
		fprintf(log, "pin: warning: no processing unit found, thread not bound\n");
		return p;
	}
	if (!hwloc_topology_is_thissystem(p->topo)) {
		fprintf(log,
			"pin: warning: the hwloc topology is not this machine (synthetic or XML), "
			"thread not bound\n");
		return p;
	}
	if (hwloc_set_cpubind(p->topo, pu->cpuset, HWLOC_CPUBIND_THREAD) != 0) {
		fprintf(log, "pin: warning: cannot bind to PU P#%u: %s; going on unbound\n",
			pu->os_index, strerror(errno));
		return p;
	}
	hwloc_bitmap_t now = hwloc_bitmap_alloc();
	if (now && hwloc_get_cpubind(p->topo, now, HWLOC_CPUBIND_THREAD) == 0 &&
	    !hwloc_bitmap_isequal(now, pu->cpuset)) {
		fprintf(log, "pin: warning: bound to PU P#%u but the thread reports another set\n",
			pu->os_index);
	} else {
		fprintf(log, "pin: measuring thread bound to PU P#%u (core L#%u of %d)\n",
			pu->os_index, core ? core->logical_index : pu->logical_index,
			n_cores > 0 ? n_cores : 1);
	}
	hwloc_bitmap_free(now);
	return p;
}

void kh_pin_free(kh_pin *p)
{
	if (!p)
		return;
	hwloc_topology_destroy(p->topo);
	free(p);
}
