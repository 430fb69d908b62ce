/* i18n.h: the translation catalog. Chinese first, English beside it.
 *
 * Every user-visible string has a key (e.g. "error.not_found") and a text
 * in po/zh/ and po/en/, compiled into the binary. Lookups never fail:
 * a key missing in English falls back to Chinese, one missing everywhere
 * returns the key itself (and the catalog test fails the build). */
#ifndef XA_I18N_H
#define XA_I18N_H

#include <stdarg.h>

#include "arena.h"

/* Languages: "zh" (default) and "en". */
const char *i18n(const char *lang, const char *key);
/* 1 when key is in lang's catalog. */
int i18n_has(const char *lang, const char *key);

/* The text of "<prefix>.<name>" (a vocabulary word: "tier.serious"), or
 * name itself when the catalog has no such key (a value another part
 * wrote before its word was added); "" for a NULL or empty name. */
const char *i18n_name(const char *lang, const char *prefix, const char *name);

/* The text of key with each "{NAME}" replaced by its value, so that each
 * language puts numbers and names where its grammar wants them (catalog
 * texts are never printf formats). The variable arguments are NAME, value
 * pairs (at most 8) ending with NULL; a NULL value counts as "". The
 * result lives in a; "" when a is out of memory. */
const char *i18n_fill(arena *a, const char *lang, const char *key, ...);
const char *i18n_vfill(arena *a, const char *lang, const char *key, va_list ap);

/* Chooses the language: an explicit choice ("zh"/"en", from the lang
 * cookie or ?lang=), else the first supported language in an
 * Accept-Language header (q-values honoured), else "zh". Either argument
 * may be NULL. Returns a static string. */
const char *i18n_pick(const char *choice, const char *accept_language);

#endif
