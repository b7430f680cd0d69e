/* Must not compile against the installed header: ka_group is opaque
 * without KA_STATIC_LINKING_ONLY (tests/install/check.cmake). */
#include <kassign/kassign.h>

uint32_t topics(const ka_group *g);
uint32_t topics(const ka_group *g)
{
	return g->n_topics;
}
