/*
 * pin.c - the machine as hwloc sees it, and keeping each measuring thread
 * on one PU with its memory on that PU's NUMA node, so that timings include
 * neither migrations nor remote memory.
 *
 * The topology is discovered once per run (kh_topo_open) and everything
 * else asks it: which PUs exist (--cpus is checked against it before
 * anything runs), which cores to use by default, what to record in the
 * result file. The default core is the last one because the OS tends to put
 * interrupts and housekeeping on core 0.
 *
 * hwloc is told to bind and then asked where the thread is, since binding on
 * a topology that is not this machine (HWLOC_SYNTHETIC, an XML file)
 * "succeeds" and does nothing. A memory binding that fails is only a note:
 * on one NUMA node all memory is local anyway, and the thread's memory is
 * first touched by the thread itself (the group is generated on it).
 */
#include "harness/harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

struct kh_topo {
	hwloc_topology_t topo;
	int thissystem;
};

kh_topo *kh_topo_open(char *err, size_t errlen)
{
	kh_topo *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (hwloc_topology_init(&t->topo) != 0) {
		snprintf(err, errlen, "hwloc_topology_init failed: %s", strerror(errno));
		free(t);
		return NULL;
	}
	if (hwloc_topology_load(t->topo) != 0) {
		snprintf(err, errlen, "hwloc_topology_load failed: %s", strerror(errno));
		hwloc_topology_destroy(t->topo);
		free(t);
		return NULL;
	}
	t->thissystem = hwloc_topology_is_thissystem(t->topo);
	return t;
}

void kh_topo_close(kh_topo *t)
{
	if (!t)
		return;
	hwloc_topology_destroy(t->topo);
	free(t);
}

/* PUs a thread of ours may run on: the allowed set (a cgroup or taskset
 * may forbid some), within the machine's. */
static hwloc_const_cpuset_t usable_pus(const kh_topo *t)
{
	return hwloc_topology_get_allowed_cpuset(t->topo);
}

unsigned kh_topo_cores(const kh_topo *t)
{
	/* Cores holding at least one usable PU; a machine without a core level
	 * counts its PUs. */
	const int n = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
	unsigned usable = 0;
	for (int i = 0; i < n; i++) {
		hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, (unsigned)i);
		usable += hwloc_bitmap_intersects(c->cpuset, usable_pus(t));
	}
	if (n <= 0)
		usable = (unsigned)hwloc_bitmap_weight(usable_pus(t));
	return usable;
}

void kh_topo_pu_list(const kh_topo *t, char *buf, size_t len)
{
	if (hwloc_bitmap_list_snprintf(buf, len, usable_pus(t)) < 0 && len)
		buf[0] = '\0';
}

int kh_topo_is_this_system(const kh_topo *t)
{
	return t->thissystem;
}

int kh_cpus_parse(const kh_topo *t, const char *list, unsigned *out, size_t max, size_t *n,
		  char *err, size_t errlen)
{
	char pus[128];
	kh_topo_pu_list(t, pus, sizeof(pus));
	*n = 0;
	const char *s = list;
	if (!s || !*s)
		goto syntax;
	for (;;) {
		char *end;
		if (*s < '0' || *s > '9')
			goto syntax;
		errno = 0;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;
		if (errno || lo > 1000000)
			goto syntax;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				goto syntax;
			hi = strtoul(s, &end, 10);
			if (errno || hi > 1000000 || hi < lo)
				goto syntax;
		}
		for (unsigned long p = lo; p <= hi; p++) {
			hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t->topo, (unsigned)p);
			if (!pu || !hwloc_bitmap_isset(usable_pus(t), (unsigned)p)) {
				snprintf(err, errlen,
					 "--cpus: PU %lu does not exist on this machine (PUs %s, "
					 "%u cores)",
					 p, pus, kh_topo_cores(t));
				return -1;
			}
			for (size_t i = 0; i < *n; i++)
				if (out[i] == p) {
					snprintf(err, errlen, "--cpus: PU %lu is listed twice", p);
					return -1;
				}
			if (*n == max) {
				snprintf(err, errlen, "--cpus: more than %zu PUs", max);
				return -1;
			}
			out[(*n)++] = (unsigned)p;
		}
		if (*end == '\0')
			return 0;
		if (*end != ',')
			goto syntax;
		s = end + 1;
	}
syntax:
	snprintf(err, errlen,
		 "--cpus: '%s' is not a list of PU numbers such as 1, 0,1 or 0-1 (PUs %s)", list,
		 pus);
	return -1;
}

size_t kh_cpus_default(const kh_topo *t, unsigned *out, size_t n)
{
	/* The first usable PU of each core, from the last core down. */
	size_t got = 0;
	const int n_cores = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
	for (int i = n_cores - 1; i >= 0 && got < n; i--) {
		hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, (unsigned)i);
		hwloc_bitmap_t s = hwloc_bitmap_alloc();
		if (!s)
			break;
		hwloc_bitmap_and(s, c->cpuset, usable_pus(t));
		const int first = hwloc_bitmap_first(s);
		hwloc_bitmap_free(s);
		if (first >= 0)
			out[got++] = (unsigned)first;
	}
	if (n_cores <= 0) { /* no core level: PUs, last first */
		const int n_pus = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU);
		for (int i = n_pus - 1; i >= 0 && got < n; i--) {
			hwloc_obj_t pu = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_PU, (unsigned)i);
			if (hwloc_bitmap_isset(usable_pus(t), pu->os_index))
				out[got++] = pu->os_index;
		}
	}
	return got;
}

void kh_bind_thread(const kh_topo *t, unsigned pu_os, kh_binding *b)
{
	memset(b, 0, sizeof(*b));
	b->pu = pu_os;
	b->numa_node = -1;
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t->topo, pu_os);
	if (!pu) {
		snprintf(b->note, sizeof(b->note), "no PU P#%u, thread not bound", pu_os);
		return;
	}
	if (!t->thissystem) {
		snprintf(b->note, sizeof(b->note),
			 "the hwloc topology is not this machine (synthetic or XML), thread not "
			 "bound");
		return;
	}
	if (hwloc_set_cpubind(t->topo, pu->cpuset, HWLOC_CPUBIND_THREAD) != 0) {
		snprintf(b->note, sizeof(b->note), "cannot bind to PU P#%u: %s, going on unbound",
			 pu_os, strerror(errno));
		return;
	}
	hwloc_bitmap_t now = hwloc_bitmap_alloc();
	if (now && hwloc_get_cpubind(t->topo, now, HWLOC_CPUBIND_THREAD) == 0 &&
	    !hwloc_bitmap_isequal(now, pu->cpuset)) {
		snprintf(b->note, sizeof(b->note),
			 "bound to PU P#%u but the thread reports another set", pu_os);
		hwloc_bitmap_free(now);
		return;
	}
	hwloc_bitmap_free(now);
	b->cpu_bound = 1;

	/* The PU's local NUMA node(s): its nodeset in hwloc 2. */
	const int n_nodes = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_NUMANODE);
	b->numa_node = pu->nodeset ? hwloc_bitmap_first(pu->nodeset) : -1;
	if (!pu->nodeset || hwloc_bitmap_iszero(pu->nodeset)) {
		snprintf(b->note, sizeof(b->note), "memory not bound: no NUMA node for PU P#%u",
			 pu_os);
		return;
	}
	if (hwloc_set_membind(t->topo, pu->nodeset, HWLOC_MEMBIND_BIND,
			      HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) != 0) {
		snprintf(b->note, sizeof(b->note), "memory not bound to NUMA node %d: %s%s",
			 b->numa_node, strerror(errno),
			 n_nodes <= 1 ? " (one NUMA node: all memory is local anyway)" : "");
		return;
	}
	b->mem_bound = 1;
}

/* ------------------------------------------------------------------ description */

static const char *cache_type_name(hwloc_obj_cache_type_t ty)
{
	return ty == HWLOC_OBJ_CACHE_DATA          ? "Data"
	       : ty == HWLOC_OBJ_CACHE_INSTRUCTION ? "Instruction"
						   : "Unified";
}

static void size_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
}

void kh_topo_describe(const kh_topo *t, kh_topo_info *info)
{
	memset(info, 0, sizeof(*info));
	const int np = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PACKAGE);
	const int nc = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
	const int nu = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU);
	const int nn = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_NUMANODE);
	info->packages = np > 0 ? (unsigned)np : 1;
	info->cores = nc > 0 ? (unsigned)nc : (nu > 0 ? (unsigned)nu : 1);
	info->pus = nu > 0 ? (unsigned)nu : 1;
	info->numa_nodes = nn > 0 ? (unsigned)nn : 1;

	hwloc_obj_t pkg = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_PACKAGE, 0);
	const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
	snprintf(info->cpu_model, sizeof(info->cpu_model), "%s", model ? model : "");

	/* One entry per cache level and kind, smallest level first, data before
	 * instruction as lstopo lists them. */
	static const hwloc_obj_type_t kinds[] = {
	    HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
	    HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const int n = hwloc_get_nbobjs_by_type(t->topo, kinds[k]);
		if (n <= 0 || info->n_caches == KH_MAX_CACHES)
			continue;
		hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, kinds[k], 0);
		if (!c || !c->attr)
			continue;
		kh_cache_info *ci = &info->caches[info->n_caches++];
		ci->level = c->attr->cache.depth;
		ci->size = c->attr->cache.size;
		ci->count = (unsigned)n;
		ci->type = cache_type_name(c->attr->cache.type);
		const int w = hwloc_bitmap_weight(c->cpuset);
		ci->sharing = w > 0 ? (unsigned)w : 1;
	}

	size_t used = (size_t)snprintf(
	    info->summary, sizeof(info->summary),
	    "%u package%s, %u core%s, %u PU%s, %u NUMA node%s", info->packages,
	    info->packages == 1 ? "" : "s", info->cores, info->cores == 1 ? "" : "s", info->pus,
	    info->pus == 1 ? "" : "s", info->numa_nodes, info->numa_nodes == 1 ? "" : "s");
	for (size_t i = 0; i < info->n_caches && used < sizeof(info->summary); i++) {
		const kh_cache_info *ci = &info->caches[i];
		char sz[32];
		size_text(ci->size, sz, sizeof(sz));
		used += (size_t)snprintf(info->summary + used, sizeof(info->summary) - used,
					 "%s L%u%s %s x%u", i ? "," : ";", ci->level,
					 ci->type[0] == 'D'   ? "d"
					 : ci->type[0] == 'I' ? "i"
							      : "",
					 sz, ci->count);
	}
	if (!t->thissystem && used < sizeof(info->summary))
		snprintf(info->summary + used, sizeof(info->summary) - used,
			 " (not this machine: synthetic or XML topology)");
}

/* ------------------------------------------------------------------ one-shot pinning (assign
 * --repeat) */

struct kh_pin {
	kh_topo *topo;
};

kh_pin *kh_pin_thread(FILE *log)
{
	char err[200];
	kh_pin *p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(log, "pin: warning: out of memory, thread not bound\n");
		return NULL;
	}
	p->topo = kh_topo_open(err, sizeof(err));
	if (!p->topo) {
		fprintf(log, "pin: warning: %s, thread not bound\n", err);
		free(p);
		return NULL;
	}
	unsigned pu;
	if (kh_cpus_default(p->topo, &pu, 1) != 1) {
		fprintf(log, "pin: warning: no processing unit found, thread not bound\n");
		return p;
	}
	kh_binding b;
	kh_bind_thread(p->topo, pu, &b);
	if (!b.cpu_bound)
		fprintf(log, "pin: warning: %s\n", b.note);
	else
		fprintf(log, "pin: measuring thread bound to PU P#%u (of %u cores)%s%s\n", pu,
			kh_topo_cores(p->topo), b.note[0] ? "; " : "", b.note);
	return p;
}

void kh_pin_free(kh_pin *p)
{
	if (!p)
		return;
	kh_topo_close(p->topo);
	free(p);
}
