/*
 * presets.c - named plans (`kassign simulate --preset NAME`): the cases
 * docs/simulation.md discusses. Each is a plan document, read by the same
 * code as a plan file, so `--list-presets` and the run file show exactly
 * what was run.
 *
 * The storm pair is a rolling restart of 100 consumers on 200 partitions.
 * Its parameters: session.timeout.ms 30000 (rebalances of about 30 s: a
 * killed member holds up the join until its session expires), Kafka's
 * default heartbeat.interval.ms 3000, a process killed and back 3 s later
 * (a container restarted in place) and a deploy that restarts the next
 * consumer once the previous one holds partitions again (a readiness
 * check). docs/simulation.md gives the figures they produce, and
 * those of Kafka's default 45 s session.
 */
#include "sim/sim.h"

#include <string.h>

typedef struct preset {
	const char *name;
	const char *summary;
	const char *json;
} preset;

#define STORM_GROUP                                                                                \
	"\"group\": {\"members\": 100, \"topics\": [{\"name\": \"t0\", \"partitions\": 200}]}"
#define STORM_EVENTS                                                                               \
	"\"config\": {\"session.timeout.ms\": 30000},"                                             \
	"\"model\": {\"restart_ms\": 3000},"                                                       \
	"\"events\": [{\"at_ms\": 60000, \"type\": \"rolling-restart\", \"count\": 100, "          \
	"\"gap_ms\": 0, \"stop\": \"kill\"}]"
/* The storm under KIP-848: the broker sets the session and the heartbeat
 * (its defaults, 45 s and 5 s); a client's session.timeout.ms is refused. */
#define STORM_EVENTS_848                                                                           \
	"\"model\": {\"restart_ms\": 3000},"                                                       \
	"\"events\": [{\"at_ms\": 60000, \"type\": \"rolling-restart\", \"count\": 100, "          \
	"\"gap_ms\": 0, \"stop\": \"kill\"}]"
#define R10_GROUP                                                                                  \
	"\"group\": {\"members\": 10, \"topics\": [{\"name\": \"t0\", \"partitions\": 20}]}"
#define R10_EVENTS                                                                                 \
	"\"model\": {\"restart_ms\": 20000},"                                                      \
	"\"events\": [{\"at_ms\": 60000, \"type\": \"rolling-restart\", \"count\": 10, "           \
	"\"gap_ms\": 30000}]"

static const preset presets[] = {
    {"storm", "100 members, 200 partitions, rolling kill-restart of all 100: eager range, dynamic",
     "{\"name\": \"storm\", " STORM_GROUP ", \"protocol\": \"eager\", \"strategy\": \"range\", "
     "\"static_membership\": false, " STORM_EVENTS "}"},
    {"storm-coop-static",
     "the storm with cooperative-sticky and static membership (group.instance.id)",
     "{\"name\": \"storm-coop-static\", " STORM_GROUP ", \"protocol\": \"cooperative\", "
     "\"strategy\": \"cooperative-sticky\", \"static_membership\": true, " STORM_EVENTS "}"},
    {"storm-coop", "the storm with cooperative-sticky, dynamic members",
     "{\"name\": \"storm-coop\", " STORM_GROUP ", \"protocol\": \"cooperative\", "
     "\"strategy\": \"cooperative-sticky\", \"static_membership\": false, " STORM_EVENTS "}"},
    {"storm-static", "the storm with eager range and static membership",
     "{\"name\": \"storm-static\", " STORM_GROUP ", \"protocol\": \"eager\", "
     "\"strategy\": \"range\", \"static_membership\": true, " STORM_EVENTS "}"},
    {"storm-consumer",
     "the storm under KIP-848 (consumer protocol, uniform, the broker's 45 s session and 5 s "
     "heartbeat), dynamic members",
     "{\"name\": \"storm-consumer\", " STORM_GROUP ", \"protocol\": \"consumer\", "
     "\"strategy\": \"uniform\", \"static_membership\": false, " STORM_EVENTS_848 "}"},
    {"storm-close",
     "the storm with a graceful close (close(): commit, revoke, LeaveGroup) instead of a kill",
     "{\"name\": \"storm-close\", " STORM_GROUP ", \"protocol\": \"eager\", "
     "\"strategy\": \"range\", \"static_membership\": false, "
     "\"config\": {\"session.timeout.ms\": 30000}, \"model\": {\"restart_ms\": 3000}, "
     "\"events\": [{\"at_ms\": 60000, \"type\": \"rolling-restart\", \"count\": 100, "
     "\"gap_ms\": 0, \"stop\": \"close\"}]}"},
    {"storm-consumer-static",
     "the storm under KIP-848 at the broker's defaults with static members: each killed "
     "member's restart is refused (UNRELEASED_INSTANCE_ID) until its session ends",
     "{\"name\": \"storm-consumer-static\", " STORM_GROUP ", \"protocol\": \"consumer\", "
     "\"strategy\": \"uniform\", \"static_membership\": true, " STORM_EVENTS_848 "}"},
    {"storm-large",
     "10,000 members, 1,000,000 partitions, rolling kill-restart of 100: the size benchmark",
     "{\"name\": \"storm-large\", \"group\": {\"members\": 10000, \"topics\": [{\"name\": "
     "\"t0\", \"partitions\": 1000000}]}, \"protocol\": \"eager\", \"strategy\": \"range\", "
     "\"model\": {\"restart_ms\": 3000, \"produce_rate\": 10, \"capacity\": 5000}, "
     "\"events\": [{\"at_ms\": 60000, \"type\": \"rolling-restart\", \"count\": 100, "
     "\"gap_ms\": 0, \"stop\": \"kill\"}]}"},
    {"rolling-10",
     "10 members, 20 partitions, graceful rolling restart: cooperative-sticky, static",
     "{\"name\": \"rolling-10\", " R10_GROUP ", \"protocol\": \"cooperative\", "
     "\"strategy\": \"cooperative-sticky\", \"static_membership\": true, " R10_EVENTS "}"},
    {"rolling-10-dynamic", "rolling-10 without static membership",
     "{\"name\": \"rolling-10-dynamic\", " R10_GROUP ", \"protocol\": \"cooperative\", "
     "\"strategy\": \"cooperative-sticky\", \"static_membership\": false, " R10_EVENTS "}"},
    {"rolling-10-eager", "rolling-10 with eager range, dynamic members",
     "{\"name\": \"rolling-10-eager\", " R10_GROUP ", \"protocol\": \"eager\", "
     "\"strategy\": \"range\", \"static_membership\": false, " R10_EVENTS "}"},
    {"scale-out", "10 members, 60 partitions, scaled to 15 at 60 s: cooperative-sticky",
     "{\"name\": \"scale-out\", \"group\": {\"members\": 10, \"topics\": [{\"name\": \"t0\", "
     "\"partitions\": 60}]}, \"protocol\": \"cooperative\", \"strategy\": "
     "\"cooperative-sticky\", \"events\": [{\"at_ms\": 60000, \"type\": \"scale\", \"to\": "
     "15}]}"},
    {"crash", "10 members, 20 partitions, one crash at 60 s: eager range",
     "{\"name\": \"crash\", " R10_GROUP ", \"protocol\": \"eager\", \"strategy\": \"range\", "
     "\"events\": [{\"at_ms\": 60000, \"type\": \"crash\", \"member\": \"m0003\"}]}"},
    {"add-partitions", "10 members, 20 partitions, 10 added at 60 s and noticed at once",
     "{\"name\": \"add-partitions\", " R10_GROUP ", \"protocol\": \"cooperative\", "
     "\"strategy\": \"cooperative-sticky\", \"events\": [{\"at_ms\": 60000, \"type\": "
     "\"add-partitions\", \"topic\": \"t0\", \"count\": 10, \"notice\": \"now\"}]}"},
};

size_t ks_preset_count(void)
{
	return sizeof(presets) / sizeof(presets[0]);
}

const char *ks_preset_name(size_t i)
{
	return i < ks_preset_count() ? presets[i].name : NULL;
}

const char *ks_preset_summary(size_t i)
{
	return i < ks_preset_count() ? presets[i].summary : NULL;
}

json_t *ks_preset_json(const char *name)
{
	for (size_t i = 0; i < ks_preset_count(); i++)
		if (strcmp(presets[i].name, name) == 0)
			return json_loads(presets[i].json, 0, NULL);
	return NULL;
}
