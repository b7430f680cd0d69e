/*
 * pattern.h - the limits a subscription pattern ({"pattern": "REGEX"}) must
 * keep before it is handed to the C library's regcomp/regexec.
 *
 * glibc builds its automaton by copying a counted repetition's operand once
 * per count and an operand of '+' twice, so nested counts multiply:
 * ((((a{1,255}){1,255}){1,255}){1,255}) asks for 4e9 copies, and ".*" with
 * thirty '+' after it for 2^30, both tens of gigabytes. Backreferences
 * (\1 .. \9) make matching exponential in the topic name's length. A
 * pattern is refused, with the rule and its place, when:
 *
 *   - it is longer than KD_PATTERN_MAX_LEN bytes;
 *   - it holds a backreference;
 *   - its groups nest deeper than KD_PATTERN_MAX_DEPTH;
 *   - its size once counted repetitions are copied out (the product of
 *     the counts along each nesting, '+' counting 2) passes
 *     KD_PATTERN_MAX_EXPANDED.
 *
 * At the expansion limit glibc takes about 0.3 s and 20 MB to compile one
 * such pattern (20 times the limit took 5 s and 93 MB).
 *
 * Matching uses the anchored form (kd_pattern_anchor), linear in a name's
 * length; searched unanchored, one pattern near the expansion limit took 2 s
 * on ten names of 10,000 bytes, anchored 0.03 s. The loader's matching work
 * is counted as the sum, over distinct patterns (shared ones count once),
 * of (expanded size + KD_PATTERN_FIXED) x (bytes of topic names + 10 a
 * topic); past KD_PATTERN_MAX_WORK the scenario is refused with the rule.
 * Measured here near the budget: five distinct patterns near the expansion
 * limit against 200 names of 60,000 bytes (80 % of it) match in about
 * 0.6 s; 5,000 distinct short patterns against 5,000 topics (55 %) in
 * about 2.5 s.
 */
#ifndef KASSIGN_DATASETS_PATTERN_H
#define KASSIGN_DATASETS_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define KD_PATTERN_MAX_LEN      4096u
#define KD_PATTERN_MAX_DEPTH    64u
#define KD_PATTERN_MAX_EXPANDED 1000u
#define KD_PATTERN_FIXED        16u
#define KD_PATTERN_MAX_WORK     (UINT64_C(1) << 36)

/*
 * 0 when pattern src (NUL-terminated, POSIX extended syntax) keeps the
 * limits above, with its expanded size in *size (when size is not NULL);
 * else -1 with the rule broken in why[len] and, in *col, the 1-based byte
 * column of the place in src (the start of the offending operator or
 * group; 1 for a pattern too long). O(length of src); no allocation.
 */
int kd_pattern_check(const char *src, char *why, size_t len, size_t *col, uint64_t *size);

/*
 * The anchored form of pattern src: "^(" src ")$", with each ')' that closes
 * no group (a literal in glibc's ERE) escaped so that it stays a literal
 * inside the added group. When src compiles, its anchored form matches a
 * name exactly when src's leftmost-longest match spans the whole name (Java's
 * Pattern.matches()), and regexec tries only the first position: linear in
 * the name's length where the unanchored search is quadratic. Writes into
 * dst[cap] and returns the bytes needed with the NUL; when that is more than
 * cap, dst is untouched. For a pattern that kd_pattern_check accepts,
 * 2 * KD_PATTERN_MAX_LEN + 5 bytes always suffice.
 */
size_t kd_pattern_anchor(const char *src, char *dst, size_t cap);

#endif
