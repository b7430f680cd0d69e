// bench_main.cc - kassign-bench: the strategy table x grids under Google
// Benchmark. Only registration lives here; every case is built and run by
// the C API in bench_case.h. Names are fixed as
// assign/<strategy>/<grid>/<subs>/<variant> and the unit is nanoseconds, so
// compare.py matches rows across runs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

extern "C" {
#include "bench_case.h"
#include "datasets/gen.h"
}

namespace {

struct CaseDeleter {
	void operator()(kb_case *c) const { kb_case_free(c); }
};

// Google Benchmark calls a function several times while it sizes the run;
// the last case is kept so that a G-1M group is generated once, not per call.
struct Cached {
	std::string name;
	std::unique_ptr<kb_case, CaseDeleter> c;
};
Cached cached;

void run_case(benchmark::State &state, const ka_strategy *s, const kd_grid *grid, int subs,
	      int variant, const std::string &name)
{
	if (cached.name != name) {
		cached.c.reset();
		char err[256];
		cached.c.reset(kb_case_new(s, grid->name, subs, variant, 1, err, sizeof err));
		cached.name = cached.c ? name : std::string();
		if (!cached.c) {
			state.SkipWithError(err);
			return;
		}
	}
	kb_case *c = cached.c.get();
	for (auto _ : state) {
		int rc = kb_case_run(c);
		benchmark::DoNotOptimize(rc);
		benchmark::ClobberMemory();
	}
	const ka_metrics *m = kb_case_metrics(c);
	double parts = kb_case_partitions(c);
	state.counters["partitions"] = parts;
	state.counters["members"] = kb_case_members(c);
	// items_per_second is partitions per second: 1e9 / it is ns per partition.
	state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(parts));
	state.counters["bytes_per_partition"] = parts ? kb_case_bytes(c) / parts : 0;
	state.counters["load_spread"] = m->load_max - m->load_min;
	state.counters["balanced"] = m->balanced;
	state.counters["moved"] = m->moved;
	state.counters["moved_min"] = m->moved_min;
	state.counters["local"] = m->local;
}

void register_all()
{
	for (size_t i = 0; i < ka_strategy_count(); i++) {
		const ka_strategy *s = ka_strategy_at(i);
		for (size_t gi = 0; gi < kd_grid_count(); gi++) {
			const kd_grid *grid = kd_grid_at(gi);
			for (int subs : {KD_SUBS_HOMOGENEOUS, KD_SUBS_HETEROGENEOUS})
				for (int variant : {KD_VARIANT_FRESH, KD_VARIANT_CHURN_REMOVE,
						    KD_VARIANT_CHURN_ADD, KD_VARIANT_RACKS}) {
					std::string name = std::string("assign/") + s->name + "/" +
							   grid->name + "/" + kd_subs_name(subs) +
							   "/" + kd_variant_name(variant);
					benchmark::RegisterBenchmark(
						name.c_str(),
						[=](benchmark::State &st) {
							run_case(st, s, grid, subs, variant, name);
						})
						->Unit(benchmark::kNanosecond)
						->UseRealTime();
				}
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	register_all();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
