/* prevention_http.h: the route tables of prevention (issue 6): the
 * all-student survey (survey_http.c), its results and early warnings
 * (results_http.c), and the records of education sessions, class
 * meetings, screenings and training with the compliance view
 * (records_http.c). */
#ifndef XA_PREVENTION_HTTP_H
#define XA_PREVENTION_HTTP_H

#include <stddef.h>

#include "../http/router.h"

extern const route survey_routes[];
extern const size_t survey_routes_count;
extern const route questionnaire_routes[];
extern const size_t questionnaire_routes_count;
extern const route results_routes[];
extern const size_t results_routes_count;
extern const route records_routes[];
extern const size_t records_routes_count;

#endif
