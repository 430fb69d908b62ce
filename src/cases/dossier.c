/* dossier.c: being written. */
#include "cases.h"
typedef int xa_placeholder_dossier;