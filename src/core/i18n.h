/* i18n.h: the translation catalog. Chinese first, English beside it.
 *
 * Every user-visible string has a key (e.g. "error.not_found") and a text
 * in po/zh/ and po/en/, compiled into the binary. Lookups never fail:
 * a key missing in English falls back to Chinese, one missing everywhere
 * returns the key itself (and the catalog test fails the build). */
#ifndef XA_I18N_H
#define XA_I18N_H

/* Languages: "zh" (default) and "en". */
const char *i18n(const char *lang, const char *key);
/* 1 when key is in lang's catalog. */
int i18n_has(const char *lang, const char *key);

/* Chooses the language: an explicit choice ("zh"/"en", from the lang
 * cookie or ?lang=), else the first supported language in an
 * Accept-Language header (q-values honoured), else "zh". Either argument
 * may be NULL. Returns a static string. */
const char *i18n_pick(const char *choice, const char *accept_language);

#endif
