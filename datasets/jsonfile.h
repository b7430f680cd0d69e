/*
 * jsonfile.h - a JSON file read with jansson (plans, run files, presets),
 * its failure said in the one message form of the command line
 * (docs/cli.md): "FILE:LINE:COLUMN: error: invalid JSON: ..." with a
 * 1-based column, or "FILE: error: cannot read: ..." (a directory, a
 * missing file), never a parse error for something that is not a file.
 */
#ifndef KASSIGN_DATASETS_JSONFILE_H
#define KASSIGN_DATASETS_JSONFILE_H

#include <stddef.h>

#include <jansson.h>

/* The document (a new reference), or NULL with the message in err[len]. */
json_t *kd_json_load_file(const char *path, size_t flags, char *err, size_t len);

#endif
