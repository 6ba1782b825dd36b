/* Allocation-failure injection: every scenario of tests/fault/scenarios.c
 * runs with the Nth allocation failing, N = 1, 2, 3 ... until a run
 * completes untouched. The countdown lives in lib/core/mem.c (the library's
 * allocations); this program routes SQLite's allocator and OpenSSL's
 * through the same countdown, so a failure can land anywhere below the API.
 * usage: fault_alloc [STRIDE [SCENARIO]]   (STRIDE: test every Nth point) */
#include "core/core_int.h"
#include "fault.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>

static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
    return crmi_fault_alloc_tick() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
    return crmi_fault_alloc_tick() ? NULL : sqlite_default.xRealloc(p, n);
}

static void *openssl_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    return crmi_fault_alloc_tick() ? NULL : malloc(n);
}

static void *openssl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file, (void)line;
    return crmi_fault_alloc_tick() ? NULL : realloc(p, n);
}

static void openssl_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    free(p);
}

/* Must run before SQLite or OpenSSL allocate anything. */
static void route_dependencies(void)
{
    sqlite3_mem_methods wrapped;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) != SQLITE_OK)
        exit(2);
    wrapped = sqlite_default;
    wrapped.xMalloc = sqlite_malloc;
    wrapped.xRealloc = sqlite_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped) != SQLITE_OK ||
        !CRYPTO_set_mem_functions(openssl_malloc, openssl_realloc, openssl_free)) {
        fprintf(stderr, "fault_alloc: cannot route the dependencies' allocators\n");
        exit(2);
    }
}

static void disarm(void)
{
    crmi_fault_alloc_arm(0);
}

int main(int argc, char **argv)
{
    route_dependencies();
    long stride = argc > 1 ? atol(argv[1]) : 1;
    static const int expected[] = {CRM_E_NOMEM};
    fault_injector inj = {.name = "fault_alloc",
                          .arm = crmi_fault_alloc_arm,
                          .fired = crmi_fault_alloc_fired,
                          .disarm = disarm,
                          .expected_codes = expected,
                          .n_expected_codes = 1};
    int broken = fault_run(&inj, 1, stride > 0 ? stride : 1, argc > 2 ? argv[2] : NULL);
    printf("fault_alloc: %d broken promises\n", broken);
    return broken ? 1 : 0;
}
