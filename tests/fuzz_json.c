/*
 * fuzz_json.c - the loaders' JSON reader (datasets/jsondoc.c) against
 * jansson, whose grammar it promises to accept exactly (with the loaders'
 * flags, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES).
 *
 * For every input both parse; they must agree on accepting it, and when
 * both accept, the documents must be equal value by value: same kinds, the
 * same integers, the same reals bit for bit, the same string bytes, keys in
 * the same order. A disagreement aborts with both answers. The rejection
 * message path (kd__json_load) runs on every rejected input as well.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/jsondoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct kd__jdoc *d, const kd__jnode *v, const json_t *j)
{
	static const int kinds[] = {
	    [JSON_OBJECT] = KD_JOBJECT,   [JSON_ARRAY] = KD_JARRAY, [JSON_STRING] = KD_JSTRING,
	    [JSON_INTEGER] = KD_JINTEGER, [JSON_REAL] = KD_JREAL,   [JSON_TRUE] = KD_JTRUE,
	    [JSON_FALSE] = KD_JFALSE,     [JSON_NULL] = KD_JNULL};
	if (kd__json_type(v) != kinds[json_typeof(j)])
		return 0;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		if (kd__json_size(v) != json_object_size(j))
			return 0;
		/* jansson iterates in insertion order, which is the file's. */
		size_t i = 0;
		const char *key;
		json_t *val;
		json_object_foreach((json_t *)j, key, val)
		{
			if (strcmp(kd__json_key(d, v, i), key) != 0 ||
			    kd__json_get(d, v, key) != kd__json_val(d, v, i) ||
			    !same(d, kd__json_val(d, v, i), val))
				return 0;
			i++;
		}
		return 1;
	}
	case JSON_ARRAY:
		if (kd__json_size(v) != json_array_size(j))
			return 0;
		for (size_t i = 0; i < json_array_size(j); i++)
			if (!same(d, kd__json_at(d, v, i), json_array_get(j, i)))
				return 0;
		return kd__json_at(d, v, json_array_size(j)) == NULL;
	case JSON_STRING:
		return kd__json_strlen(d, v) == json_string_length(j) &&
		       memcmp(kd__json_str(d, v), json_string_value(j), json_string_length(j)) == 0;
	case JSON_INTEGER:
		return kd__json_int(d, v) == json_integer_value(j);
	case JSON_REAL: {
		double a = kd__json_real(d, v), b = json_real_value(j);
		return memcmp(&a, &b, sizeof a) == 0;
	}
	default:
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kd__jdoc d;
	json_error_t jerr;
	json_t *j =
	    json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	size_t stop = 0;
	int rc = kd__json_parse(&d, (const char *)data, size, &stop);
	if ((rc == KD_JSON_OK) != (j != NULL) && rc != KD_JSON_NOMEM) {
		fprintf(stderr, "jsondoc %s (rc %d at byte %zu), jansson %s (%s)\n",
			rc == 0 ? "accepts" : "rejects", rc, stop, j ? "accepts" : "rejects",
			j ? "" : jerr.text);
		abort();
	}
	if (rc == KD_JSON_OK && !same(&d, kd__json_root(&d), j)) {
		fprintf(stderr, "jsondoc and jansson read different values\n");
		abort();
	}
	if (rc != KD_JSON_OK) {
		char line[512];
		struct kd__jdoc d2;
		if (kd__json_load(&d2, "fuzz.json", (const char *)data, size, line, sizeof line) ==
			0 ||
		    strncmp(line, "fuzz.json", 9) != 0)
			abort();
	}
	kd__json_free(&d);
	json_decref(j);
	return 0;
}
