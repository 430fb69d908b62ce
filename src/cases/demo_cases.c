/* demo_cases.c: being written. */
#include "cases.h"
typedef int xa_placeholder_demo_cases;