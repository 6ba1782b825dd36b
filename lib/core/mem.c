/* Allocation wrappers, the caller-facing crm_free, and growable text buffers.
 * Every allocation of the library passes here so failure injection can
 * reach it. */
#include "core/core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocation-failure injection (tests/fault): while armed, the countdown
 * drops by one per allocation and the allocation that takes it to zero
 * fails. Process-wide and atomic so a test may arm it around any call;
 * unarmed it costs one predictable branch per allocation. */
static _Atomic long fault_countdown; /* 0: unarmed */
static _Atomic bool fault_fired;

void crmi_fault_alloc_arm(long n)
{
    fault_fired = false;
    fault_countdown = n > 0 ? n : 0;
}

bool crmi_fault_alloc_fired(void)
{
    return fault_fired;
}

bool crmi_fault_alloc_tick(void)
{
    if (__builtin_expect(fault_countdown == 0, 1))
        return false;
    if (--fault_countdown != 0)
        return false;
    fault_fired = true;
    return true;
}

void *crmi_malloc(size_t n)
{
    return crmi_fault_alloc_tick() ? NULL : malloc(n ? n : 1);
}

void *crmi_calloc(size_t count, size_t size)
{
    return crmi_fault_alloc_tick() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *crmi_realloc(void *p, size_t n)
{
    return crmi_fault_alloc_tick() ? NULL : realloc(p, n ? n : 1);
}

char *crmi_strndup(const char *s, size_t n)
{
    char *copy = crmi_malloc(n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

char *crmi_strdup(const char *s)
{
    return s ? crmi_strndup(s, strlen(s)) : NULL;
}

CRM_EXTERN(void) crm_free(void *ptr)
{
    free(ptr);
}

static bool buf_reserve(crmi_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *grown = crmi_realloc(b->data, cap);
    if (!grown) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

void crmi_buf_append(crmi_buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void crmi_buf_puts(crmi_buf *b, const char *s)
{
    crmi_buf_append(b, s, strlen(s));
}

void crmi_buf_putc(crmi_buf *b, char c)
{
    crmi_buf_append(b, &c, 1);
}

void crmi_buf_printf(crmi_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void crmi_buf_json_string(crmi_buf *b, const char *s)
{
    crmi_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t run = 0; /* characters needing no escape go in one append */
        while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run) {
            crmi_buf_append(b, (const char *)p, run);
            p += run - 1;
            continue;
        }
        switch (*p) {
        case '"': crmi_buf_puts(b, "\\\""); break;
        case '\\': crmi_buf_puts(b, "\\\\"); break;
        case '\n': crmi_buf_puts(b, "\\n"); break;
        case '\r': crmi_buf_puts(b, "\\r"); break;
        case '\t': crmi_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20)
                crmi_buf_printf(b, "\\u%04x", *p);
            else
                crmi_buf_putc(b, (char)*p);
        }
    }
    crmi_buf_putc(b, '"');
}

char *crmi_buf_take(crmi_buf *b)
{
    if (b->failed) {
        crmi_buf_free(b);
        return NULL;
    }
    if (!b->data && !buf_reserve(b, 0))
        return NULL;
    if (b->len == 0)
        b->data[0] = '\0';
    char *out = b->data;
    *b = (crmi_buf){0};
    return out;
}

void crmi_buf_free(crmi_buf *b)
{
    free(b->data);
    *b = (crmi_buf){0};
}
