/* The tokenizer for Chinese and mixed text. Chinese has no spaces between
 * words and no dictionary is shipped, so text is indexed as overlapping
 * character pairs (bigrams), the classic approach of CJK search engines:
 * "信用卡挂失" -> 信用 用卡 卡挂 挂失. A query's pairs then match any text
 * sharing its words, whatever the segmentation. */
#include "kb/kb_int.h"

#include <string.h>

/* Decodes one code point of valid UTF-8 at s; *len gets its byte length. */
static uint32_t decode(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        *len = 2;
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    }
    if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        *len = 3;
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
    }
    if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
        (s[3] & 0xc0) == 0x80) {
        *len = 4;
        return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
               (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
    }
    *len = 1; /* invalid byte: a separator */
    return 0xfffd;
}

static bool is_cjk(uint32_t c)
{
    return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2fa1f);
}

/* ASCII letters and digits, lower-cased; full-width forms folded; 0 if
 * the code point is not one. */
static char word_char(uint32_t c)
{
    if (c >= 0xff10 && c <= 0xff19)
        c -= 0xff10 - '0';
    else if ((c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a))
        c -= 0xff21 - 'A';
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return (char)c;
    return 0;
}

/* Pairs that say "this is a question" rather than what it is about. */
static const char *const fillers[] = {
    "请问", "问一", "一下", "怎么", "么办", "怎样", "如何", "什么", "为什", "么我", "我的", "我想",
    "想问", "能不", "不能", "可以", "是否", "需要", "哪些", "吗",   "呢",   "了",   "的",   "我",
    "你们", "们的", "么样", "么时", "应该", "该怎", "要怎", "有没", "没有", "多少",
};

static bool is_filler(const char *t, size_t n)
{
    for (size_t i = 0; i < sizeof fillers / sizeof fillers[0]; i++)
        if (strlen(fillers[i]) == n && memcmp(fillers[i], t, n) == 0)
            return true;
    return false;
}

static int emit(const char *t, size_t n, crmi_token_fn fn, void *ctx)
{
    return n && !is_filler(t, n) ? fn(t, n, ctx) : 0;
}

#define MAX_WORD 64

/* A run of CJK characters starting at s (of `count` characters). */
static int emit_cjk_run(const char *s, size_t bytes, size_t count, crmi_token_fn fn, void *ctx)
{
    if (count == 1)
        return emit(s, bytes, fn, ctx);
    const char *p = s;
    for (size_t i = 0; i + 1 < count; i++) {
        size_t a, b;
        decode((const unsigned char *)p, &a);
        decode((const unsigned char *)p + a, &b);
        int stop = emit(p, a + b, fn, ctx);
        if (stop)
            return stop;
        p += a;
    }
    return 0;
}

int crmi_kb_tokenize(const char *text, crmi_token_fn fn, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    char word[MAX_WORD];
    size_t wlen = 0, len;
    const char *run = NULL;
    size_t run_bytes = 0, run_count = 0;
    int stop = 0;
    while (!stop) {
        uint32_t c = *s ? decode(s, &len) : 0;
        char w = c ? word_char(c) : 0;
        if (!w && wlen) {
            stop = emit(word, wlen, fn, ctx);
            wlen = 0;
        } else if (w && wlen < MAX_WORD) {
            word[wlen++] = w;
        }
        if (!stop && c && is_cjk(c)) {
            if (!run)
                run = (const char *)s;
            run_bytes += len;
            run_count++;
        } else if (!stop && run) {
            stop = emit_cjk_run(run, run_bytes, run_count, fn, ctx);
            run = NULL;
            run_bytes = run_count = 0;
        }
        if (!c)
            break;
        s += len;
    }
    return stop;
}

static int append_term(const char *t, size_t n, void *ctx)
{
    crmi_buf *b = ctx;
    if (b->len)
        crmi_buf_putc(b, ' ');
    crmi_buf_append(b, t, n);
    return 0;
}

char *crmi_kb_terms(const char *text)
{
    crmi_buf b = {0};
    crmi_kb_tokenize(text, append_term, &b);
    if (!b.len)
        crmi_buf_puts(&b, "");
    return crmi_buf_take(&b);
}
