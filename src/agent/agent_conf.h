/*
 * agent_conf.h — the [policy] section of qmacsecd's configuration.
 *
 * Durations are written in seconds (decimals allowed), counts as whole
 * numbers:
 *
 *	[policy]
 *	mode = 1                ; 1: QKD key = CAK, 2: merged into each SAK
 *	role = derived          ; master | slave | derived (MKA Key Server)
 *	t_qkd = 60              ; request period T_QKD
 *	t_akl = 600             ; active key lifetime T_AKL
 *	...
 *
 * The daemon's own config table leaves the section out and forwards its
 * keys from the qs_conf dyn callback to agent_conf_set(); after the file
 * is read it calls agent_policy_config_check() on the result. A bad key
 * or value leaves the config as it was and names the problem.
 * agent_conf_print() documents every key with its default.
 */
#ifndef QS_AGENT_CONF_H
#define QS_AGENT_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent_policy.h"

/* AGENT_CONF_SECTION is the INI section of the policy keys. */
#define AGENT_CONF_SECTION "policy"

/* struct agent_conf collects the [policy] keys of one file. */
struct agent_conf {
	/* cfg receives the values, over the defaults. */
	struct agent_policy_config cfg;
	/* seen has bit i set once key i of the table was given. */
	uint32_t seen;
};

/* agent_conf_init fills |c| with the defaults and no key seen. */
void agent_conf_init(struct agent_conf *c);

/* agent_conf_set applies "name = value". Returns 0, or QS_ERR_CONFIG with
 * the reason in |err| ("unknown key", "key given twice", "'x' is not a
 * number", ...), leaving |c| unchanged. */
int agent_conf_set(struct agent_conf *c, const char *name, const char *value,
    char *err, size_t errlen);

/* agent_conf_load_string reads an INI text that holds only a [policy]
 * section into |c| (after agent_conf_init) and checks the result with
 * agent_policy_config_check(). |name| stands for the file in messages.
 * Returns 0 or QS_ERR_CONFIG with the reason in |err|. */
int agent_conf_load_string(struct agent_conf *c, const char *text,
    const char *name, char *err, size_t errlen);

/* agent_conf_print writes a commented [policy] section with every key,
 * its default and its meaning to |fp|. */
void agent_conf_print(FILE *fp);

#endif /* QS_AGENT_CONF_H */
