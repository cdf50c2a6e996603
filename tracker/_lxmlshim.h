/* Shared by the optional C readers of lxml's tree (tracker/diff/_ctree.c, tracker/_xmlcols.c).
 *
 * - ElementShim: the layout of lxml's public _Element (lxml.etree.h: PyObject_HEAD, _doc, _c_node,
 *   _tag), to reach the libxml2 node of an element; tracker.xmlsafe.native_module only loads a
 *   module built against the lxml and libxml2 versions that are running.
 * - ascii_str / ascii_clean: str objects from ASCII bytes, and " ".join(s.split()) on ASCII bytes.
 *   XML 1.0 text holds no ASCII whitespace but space, tab, LF and CR (no VT, FF, FS..US), so there
 *   "whitespace" is every byte <= ' '. The checks are branch-free loops the compiler vectorises
 *   (most texts only need their ends stripped).
 */
#ifndef TRACKER_LXMLSHIM_H
#define TRACKER_LXMLSHIM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>
#include <lxml-version.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    void *_doc;
    xmlNode *_c_node;
    PyObject *_tag;
} ElementShim;

/* True when the n bytes at s are all ASCII. */
static inline int is_ascii(const char *s, size_t n) {
    unsigned char high = 0;
    for (size_t i = 0; i < n; i++)
        high |= (unsigned char)s[i];
    return !(high & 0x80);
}

/* A str of n ASCII bytes (no UTF-8 decoding pass). */
static inline PyObject *ascii_str(const char *p, size_t n) {
    PyObject *r = PyUnicode_New((Py_ssize_t)n, 127);
    if (r != NULL)
        memcpy(PyUnicode_DATA(r), p, n);
    return r;
}

/* " ".join(s.split()) of n ASCII bytes. */
static inline PyObject *ascii_clean(const char *s, size_t n) {
    size_t lo = 0, hi = n;
    while (lo < hi && (unsigned char)s[lo] <= ' ')
        lo++;
    while (hi > lo && (unsigned char)s[hi - 1] <= ' ')
        hi--;
    const unsigned char *m = (const unsigned char *)s + lo;
    size_t len = hi - lo;
    unsigned char bad = 0; /* a tab/CR/LF, or a space followed by whitespace */
    for (size_t i = 0; i + 1 < len; i++)
        bad |= (unsigned char)((m[i] < ' ') | ((m[i] == ' ') & (m[i + 1] <= ' ')));
    if (!bad)
        return ascii_str((const char *)m, len);
    PyObject *r = PyUnicode_New((Py_ssize_t)len, 127);
    if (r == NULL)
        return NULL;
    char *d = (char *)PyUnicode_DATA(r);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (m[i] <= ' ') {
            if (d[k - 1] != ' ') /* k > 0: m[0] is not whitespace */
                d[k++] = ' ';
        } else {
            d[k++] = (char)m[i];
        }
    }
    PyObject *t = ascii_str(d, k);
    Py_DECREF(r);
    return t;
}

/* The version constants tracker.xmlsafe.native_module checks. */
static inline int add_version_constants(PyObject *m) {
    if (PyModule_AddStringConstant(m, "LXML_VERSION", LXML_VERSION_STRING) < 0 ||
        PyModule_AddStringConstant(m, "LIBXML_VERSION", LIBXML_DOTTED_VERSION) < 0)
        return -1;
    return 0;
}

#endif
