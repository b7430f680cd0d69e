// bench_main.cc - kassign-bench: the strategy table x grids x the point
// list's variants (harness/measure.h, as the sweep) under Google Benchmark.
// Only registration lives here; every case is built and run, and its
// figures computed, by the C API in bench_case.h. Names are fixed as
// assign/<strategy>/<grid>/<subs>/<variant> and the unit is nanoseconds, so
// compare.py and scripts/compare match rows across runs
// (docs/results-format.md). KASSIGN_MEASURE=counts re-executes the program
// under valgrind and adds each case's callgrind counts to its counters.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "bench_case.h"
#include "datasets/gen.h"
#include "harness/measure.h"
}

namespace
{

struct CaseDeleter {
	void operator()(kb_case *c) const
	{
		kb_case_free(c);
	}
};

// Google Benchmark calls a function once per repetition and while it sizes
// the run; the last case is kept so that a G-1M group is generated once.
struct Cached {
	std::string name;
	std::unique_ptr<kb_case, CaseDeleter> c;
};
Cached cached;

void run_case(benchmark::State &state, const ka_strategy *s, const kd_grid *grid, int subs,
	      int variant, uint32_t replication, const std::string &name)
{
	if (cached.name != name) {
		cached.c.reset();
		char err[256];
		cached.c.reset(
		    kb_case_new(s, grid->name, subs, variant, replication, 1, err, sizeof err));
		cached.name = cached.c ? name : std::string();
		if (!cached.c) {
			state.SkipWithError(err);
			return;
		}
	}
	kb_case *c = cached.c.get();
	if (kb_counts_child()) {
		char err[256];
		if (kb_case_count(c, err, sizeof err) < 0) {
			state.SkipWithError(err);
			return;
		}
	}
	int rc = 0;
	uint64_t t0 = kb_now_ns();
	for (auto _ : state) {
		rc |= kb_case_run(c);
		benchmark::ClobberMemory();
	}
	uint64_t t1 = kb_now_ns();
	if (rc != 0) {
		state.SkipWithError(ka_strerror(rc));
		return;
	}
	kb_figure fig[KB_FIGURES_MAX];
	size_t n = kb_case_figures(c, fig);
	for (size_t i = 0; i < n; i++)
		state.counters[fig[i].name] = fig[i].value;
	// Wall time per call per partition. Measured here rather than as a
	// rate counter: Google Benchmark's rates divide by CPU time unless
	// UseRealTime(), which would append "/real_time" to the fixed names.
	double calls = static_cast<double>(state.iterations());
	double parts = kb_case_partitions(c);
	state.counters["ns_per_partition"] =
	    calls > 0 && parts > 0 ? static_cast<double>(t1 - t0) / calls / parts : 0;
}

double stat_min(const std::vector<double> &v)
{
	double m = v.empty() ? 0 : v[0];
	for (double x : v)
		m = x < m ? x : m;
	return m;
}

double stat_max(const std::vector<double> &v)
{
	double m = v.empty() ? 0 : v[0];
	for (double x : v)
		m = x > m ? x : m;
	return m;
}

void register_all()
{
	for (size_t i = 0; i < ka_strategy_count(); i++) {
		const ka_strategy *s = ka_strategy_at(i);
		for (size_t gi = 0; gi < kd_grid_count(); gi++) {
			const kd_grid *grid = kd_grid_at(gi);
			for (int subs : {KD_SUBS_HOMOGENEOUS, KD_SUBS_HETEROGENEOUS})
				for (size_t vi = 0; vi < kh_variant_count(); vi++) {
					const kh_variant &v = *kh_variant_at(vi);
					kd_gen_spec spec = {grid, subs, v.variant,     1,
							    s,    0,    v.replication, 0};
					char label[64];
					std::string name =
					    std::string("assign/") + s->name + "/" + grid->name +
					    "/" + kd_subs_name(subs) + "/" +
					    kd_variant_label(&spec, label, sizeof label);
					const int variant = v.variant;
					const uint32_t repl = v.replication;
					benchmark::RegisterBenchmark(name.c_str(),
								     [=](benchmark::State &st) {
									     run_case(st, s, grid,
										      subs, variant,
										      repl, name);
								     })
					    ->Unit(benchmark::kNanosecond)
					    ->ComputeStatistics("min", stat_min)
					    ->ComputeStatistics("max", stat_max);
				}
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	const int front = kb_counts_front(argc, argv);
	if (front >= 0)
		return front;
	// Defaults ahead of the user's arguments, which override them (the last
	// flag wins): repetitions so that every point gives per-repetition
	// entries and aggregates like the sweep's, 0.1 s each so that a full run
	// stays in minutes; the console shows the aggregates, the file all.
	// Counted (under valgrind), a case is one repetition of one call: its
	// counts are taken apart, and its time there means nothing.
	std::vector<char *> args{argv[0]};
	static char rep[] = "--benchmark_repetitions=9";
	static char min_time[] = "--benchmark_min_time=0.1";
	static char rep1[] = "--benchmark_repetitions=1";
	static char min_time0[] = "--benchmark_min_time=0";
	static char display[] = "--benchmark_display_aggregates_only=true";
	if (kb_counts_child())
		args.insert(args.end(), {rep1, min_time0, display});
	else
		args.insert(args.end(), {rep, min_time, display});
	for (int i = 1; i < argc; i++)
		if (std::string(argv[i]).rfind("--kassign_valgrind=", 0) != 0)
			args.push_back(argv[i]); // that one is the counts child's, read above
	args.push_back(nullptr);
	int n = static_cast<int>(args.size()) - 1;

	const kb_text *ctx;
	size_t n_ctx = kb_context(&ctx);
	for (size_t i = 0; i < n_ctx; i++)
		benchmark::AddCustomContext(std::string("kassign_") + ctx[i].name, ctx[i].value);

	register_all();
	benchmark::Initialize(&n, args.data());
	if (benchmark::ReportUnrecognizedArguments(n, args.data()))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
