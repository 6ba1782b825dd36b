/*
 * libcrm the knowledge base: articles, search and question answering.
 */
#ifndef CRM_KB_H
#define CRM_KB_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_KB_H */
