/* Input decoding: a file read in chunks and handed on as UTF-8. GBK (as
 * GB18030, its superset) goes through iconv; bytes invalid in the encoding
 * become CRMI_BAD_BYTE markers so the reader can name line and column. */
#include "dataio/dataio_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int crmi_source_open(crmi_source *s, crm_db *db, const char *path, const char *label,
                     crm_text_encoding enc)
{
    s->fd = -1;
    s->cd = (iconv_t)-1;
    s->label = label;
    if (enc != CRM_ENCODING_UTF8 && enc != CRM_ENCODING_GBK)
        return crmi_error(db, CRM_E_INVALID_ARG, "import: unknown encoding %d", (int)enc);
    if (enc == CRM_ENCODING_GBK && (s->cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
        return crmi_error(db, CRM_E_NOT_SUPPORTED, "iconv has no GB18030: %s", strerror(errno));
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int code = errno == ENOENT ? CRM_E_NOT_FOUND : CRM_E_IO;
        return crmi_error(db, code, "%s: %s", label, strerror(errno));
    }
    return CRM_OK;
}

void crmi_source_close(crmi_source *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->cd != (iconv_t)-1)
        iconv_close(s->cd);
    s->fd = -1;
    s->cd = (iconv_t)-1;
}

/* Tops up the raw buffer from the file. */
static int fill_raw(crmi_source *s, crm_db *db)
{
    while (!s->eof && s->raw_len < sizeof s->raw) {
        ssize_t got = read(s->fd, s->raw + s->raw_len, sizeof s->raw - s->raw_len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return crmi_error(db, CRM_E_IO, "%s: %s", s->label, strerror(errno));
        if (got == 0)
            s->eof = true;
        s->raw_len += (size_t)got;
        s->bytes += got;
        if (got > 0)
            break;
    }
    return CRM_OK;
}

static void drop_raw(crmi_source *s, size_t n)
{
    memmove(s->raw, s->raw + n, s->raw_len - n);
    s->raw_len -= n;
}

/* Skips a UTF-8 byte order mark; refuses marks that contradict the
 * encoding (UTF-16 files, a UTF-8 mark on a file said to be GBK). */
static int check_bom(crmi_source *s, crm_db *db)
{
    while (!s->eof && s->raw_len < 3) {
        int rc = fill_raw(s, db);
        if (rc)
            return rc;
    }
    s->started = true;
    const unsigned char *b = (const unsigned char *)s->raw;
    if (s->raw_len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "%s line 1: the file is UTF-16; save it as UTF-8 or GBK", s->label);
    if (s->raw_len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        if (s->cd != (iconv_t)-1)
            return crmi_error(db, CRM_E_INVALID_DATA,
                              "%s line 1: the file starts with a UTF-8 byte order mark but the "
                              "encoding given is GBK",
                              s->label);
        drop_raw(s, 3);
    }
    return CRM_OK;
}

static size_t copy_utf8(crmi_source *s, char *out, size_t cap)
{
    size_t n = s->raw_len < cap ? s->raw_len : cap;
    memcpy(out, s->raw, n);
    drop_raw(s, n);
    return n;
}

/* Converts as much of the raw buffer as fits; invalid bytes become markers,
 * and so does an incomplete sequence at the very end of the file. */
static size_t convert_gbk(crmi_source *s, char *out, size_t cap)
{
    char *in = s->raw, *o = out;
    size_t in_left = s->raw_len, out_left = cap;
    while (in_left > 0 && out_left >= 4) {
        if (iconv(s->cd, &in, &in_left, &o, &out_left) != (size_t)-1)
            break;
        if (errno == E2BIG || (errno == EINVAL && !s->eof) || out_left < 2)
            break;
        /* EILSEQ, or EINVAL at the end of the file: mark one byte, go on */
        *o++ = (char)CRMI_BAD_BYTE;
        *o++ = *in++;
        out_left -= 2;
        in_left--;
    }
    drop_raw(s, s->raw_len - in_left);
    return (size_t)(o - out);
}

int crmi_source_read(crmi_source *s, crm_db *db, char *out, size_t cap, size_t *n)
{
    *n = 0;
    int rc = s->started ? CRM_OK : check_bom(s, db);
    while (!rc && *n == 0) {
        if ((rc = fill_raw(s, db)))
            break;
        if (s->raw_len == 0 && s->eof)
            break;
        *n = s->cd == (iconv_t)-1 ? copy_utf8(s, out, cap) : convert_gbk(s, out, cap);
        if (*n == 0 && s->raw_len == sizeof s->raw)
            return crmi_error(db, CRM_E_INTERNAL, "%s: decoder made no progress", s->label);
    }
    return rc;
}
