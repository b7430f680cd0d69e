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
 * At the expansion limit glibc takes about 0.3 s and 20 MB to compile and
 * match one such pattern against names of a few thousand bytes (20 times
 * the limit took 5 s and 93 MB); matching stays linear in the name's
 * length for a fixed pattern, so the loader's work is bounded by the
 * number of distinct patterns times the bytes of topic names.
 */
#ifndef KASSIGN_DATASETS_PATTERN_H
#define KASSIGN_DATASETS_PATTERN_H

#include <stddef.h>

#define KD_PATTERN_MAX_LEN      4096u
#define KD_PATTERN_MAX_DEPTH    64u
#define KD_PATTERN_MAX_EXPANDED 1000u

/*
 * 0 when pattern src (NUL-terminated, POSIX extended syntax) keeps the
 * limits above; else -1 with the rule broken in why[len] and, in *col, the
 * 1-based byte column of the place in src (the start of the offending
 * operator or group; 1 for a pattern too long). O(length of src); no
 * allocation.
 */
int kd_pattern_check(const char *src, char *why, size_t len, size_t *col);

#endif
