/* Buffered output of exports and error files: UTF-8 (optionally with a
 * byte order mark for Excel) or GBK (as GB18030, which encodes every
 * character). Errors are sticky: the first one is returned at close. */
#include "dataio/dataio_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct crmi_writer {
    crm_db *db;
    char *path;
    int fd;
    bool regular; /* a regular file (not a link): removed again when the write fails */
    iconv_t cd;   /* (iconv_t)-1: UTF-8 */
    crmi_buf buf;
    int64_t bytes;
    int rc;
};

static int write_all(crmi_writer *w, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t done = write(w->fd, p, n);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            return crmi_error(w->db, CRM_E_IO, "write %s: %s", w->path, strerror(errno));
        p += done;
        n -= (size_t)done;
        w->bytes += done;
    }
    return CRM_OK;
}

/* The buffer holds whole records, so no character is split between two
 * conversions. */
static int write_gbk(crmi_writer *w)
{
    char out[4096];
    char *in = w->buf.data;
    size_t in_left = w->buf.len;
    int rc = CRM_OK;
    while (!rc && in_left > 0) {
        char *o = out;
        size_t out_left = sizeof out;
        if (iconv(w->cd, &in, &in_left, &o, &out_left) == (size_t)-1 && errno != E2BIG)
            rc = crmi_error(w->db, CRM_E_INTERNAL, "write %s: cannot encode as GB18030: %s",
                            w->path, strerror(errno));
        if (!rc)
            rc = write_all(w, out, sizeof out - out_left);
    }
    return rc;
}

static void flush(crmi_writer *w)
{
    if (w->rc == CRM_OK && w->buf.failed)
        w->rc = crmi_error(w->db, CRM_E_NOMEM, "write %s: out of memory", w->path);
    if (w->rc == CRM_OK && w->buf.len > 0)
        w->rc = w->cd == (iconv_t)-1 ? write_all(w, w->buf.data, w->buf.len) : write_gbk(w);
    w->buf.len = 0;
}

int crmi_writer_open(crmi_writer **out, crm_db *db, const char *path, crm_text_encoding enc,
                     bool bom)
{
    if (enc != CRM_ENCODING_UTF8 && enc != CRM_ENCODING_GBK)
        return crmi_error(db, CRM_E_INVALID_ARG, "unknown encoding %d", (int)enc);
    crmi_writer *w = crmi_calloc(1, sizeof *w);
    if (!w || !(w->path = crmi_strdup(path))) {
        crm_free(w);
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    w->db = db;
    w->cd = (iconv_t)-1;
    w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    int rc = w->fd < 0 ? crmi_error(db, CRM_E_IO, "%s: %s", path, strerror(errno)) : CRM_OK;
    /* lstat: a link such as /dev/stdout is neither truncated nor removed */
    struct stat sb;
    w->regular = !rc && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    if (w->regular && ftruncate(w->fd, 0) != 0)
        rc = crmi_error(db, CRM_E_IO, "%s: %s", path, strerror(errno));
    if (!rc && enc == CRM_ENCODING_GBK && (w->cd = iconv_open("GB18030", "UTF-8")) == (iconv_t)-1)
        rc = crmi_error(db, CRM_E_NOT_SUPPORTED, "iconv has no GB18030: %s", strerror(errno));
    if (rc) {
        crmi_writer_close(w, false);
        return rc;
    }
    if (bom && enc == CRM_ENCODING_UTF8)
        crmi_writer_put(w, "\xEF\xBB\xBF", 3);
    *out = w;
    return CRM_OK;
}

void crmi_writer_put(crmi_writer *w, const char *s, size_t n)
{
    crmi_buf_append(&w->buf, s, n);
}

void crmi_writer_end_record(crmi_writer *w, bool crlf)
{
    crmi_writer_put(w, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
    if (w->buf.len >= CRMI_CHUNK || w->buf.failed)
        flush(w);
}

int crmi_writer_flush(crmi_writer *w)
{
    flush(w);
    return w->rc;
}

int64_t crmi_writer_bytes(const crmi_writer *w)
{
    return w->bytes + (int64_t)w->buf.len;
}

int crmi_writer_close(crmi_writer *w, bool keep)
{
    if (!w)
        return CRM_OK;
    if (keep)
        flush(w);
    int rc = w->rc;
    if (w->fd >= 0 && close(w->fd) != 0 && !rc && keep)
        rc = crmi_error(w->db, CRM_E_IO, "close %s: %s", w->path, strerror(errno));
    if (w->regular && (rc || !keep))
        unlink(w->path);
    if (w->cd != (iconv_t)-1)
        iconv_close(w->cd);
    crmi_buf_free(&w->buf);
    crm_free(w->path);
    crm_free(w);
    return rc;
}
