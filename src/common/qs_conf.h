/*
 * qs_conf.h — table-driven INI configuration (parsed by inih).
 *
 * Each program describes its configuration as a table of struct
 * qs_conf_key: section, name, type, where the value goes in the program's
 * config struct, its default and a one-line help text. qs_conf_load()
 * then:
 *   1. fills a fresh struct with every default,
 *   2. parses the file, rejecting unknown sections and keys, duplicate
 *      keys, and values of the wrong type or out of range, naming the file,
 *      the line and the problem in |err|,
 *   3. returns without touching anything else, so that a caller only swaps
 *      in the new struct once it (and the caller's own cross-field checks)
 *      succeeded: a bad config is never half-applied.
 *
 * Sections that repeat under a user-chosen name, like [sae "A1"], go to
 * the |dyn| callback with the section text as written.
 *
 * qs_conf_print() writes a commented sample file with every key and its
 * default: it is the reference documentation of the keys.
 */
#ifndef QS_CONF_H
#define QS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum qs_conf_type {
	/* QS_CONF_STR: char[size] (size in qs_conf_key.size). */
	QS_CONF_STR,
	/* QS_CONF_U64: uint64_t within [min, max]. */
	QS_CONF_U64,
	/* QS_CONF_DOUBLE: double within [min, max]. */
	QS_CONF_DOUBLE,
	/* QS_CONF_BOOL: bool; true/false/yes/no/on/off/1/0. */
	QS_CONF_BOOL,
};

struct qs_conf_key {
	/* section is the INI section ("" for keys before any section). */
	const char *section;
	/* name is the key name. */
	const char *name;
	/* type says how the value is parsed and stored. */
	enum qs_conf_type type;
	/* offset is where the value goes in the caller's struct. */
	size_t offset;
	/* size is the capacity of a QS_CONF_STR buffer, NUL included. */
	size_t size;
	/* def is the default as it would be written in the file, or NULL
	 * when the key is required. */
	const char *def;
	/* min and max bound numeric values (inclusive). */
	double min, max;
	/* help is the one-line documentation of the key. */
	const char *help;
};

/* qs_conf_dyn_fn handles a key of a section the table does not list.
 * It returns 0, or a negative code with a message in |err| (the caller adds
 * file and line). */
typedef int (*qs_conf_dyn_fn)(void *out, const char *section, const char *name,
    const char *value, char *err, size_t errlen);

/* qs_conf_defaults writes every default of |keys| into |out|. Returns 0 or
 * QS_ERR_CONFIG if a default does not parse (a bug in the table). */
int qs_conf_defaults(const struct qs_conf_key *keys, size_t nkeys, void *out,
    char *err, size_t errlen);

/* qs_conf_load parses the file |path| into |out| as described above.
 * Returns 0, QS_ERR_IO if the file cannot be read, or QS_ERR_CONFIG with
 * the reason ("kme.conf:12: [kme] port: 70000 is above the maximum 65535")
 * in |err|. */
int qs_conf_load(const struct qs_conf_key *keys, size_t nkeys, void *out,
    qs_conf_dyn_fn dyn, const char *path, char *err, size_t errlen);

/* qs_conf_load_string does the same for a config held in memory; |name|
 * stands for the file name in messages. */
int qs_conf_load_string(const struct qs_conf_key *keys, size_t nkeys, void *out,
    qs_conf_dyn_fn dyn, const char *text, const char *name, char *err,
    size_t errlen);

/* qs_conf_print writes a sample file documenting every key to |fp|. */
void qs_conf_print(const struct qs_conf_key *keys, size_t nkeys, FILE *fp);

/* qs_conf_parse_u64 / _double / _bool parse one value as the table does;
 * they return 0 or QS_ERR_CONFIG with a reason in |err|. */
int qs_conf_parse_u64(const char *v, double min, double max, uint64_t *out,
    char *err, size_t errlen);
int qs_conf_parse_double(const char *v, double min, double max, double *out,
    char *err, size_t errlen);
int qs_conf_parse_bool(const char *v, bool *out, char *err, size_t errlen);

#endif /* QS_CONF_H */
