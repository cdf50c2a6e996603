/* Native walk of a parsed GPO bill body (tracker/diff/tree.py; optional speed-up, see setup.py).
 *
 * lxml creates a Python proxy object for every element Python code touches, and a new string
 * for every .tag; on an H.R. 1-size bill that was as costly as libxml2's parse itself. This module
 * reads the libxml2 nodes under an lxml element directly (read-only, while the caller holds the
 * element, so the document stays alive) and returns the provision structure as plain tuples:
 *
 *     fill(body) -> (provisions, own_text)   (own_text raw, not normalised)
 *     provision   = (kind, enum, header, own_text, provisions)
 *
 * It applies exactly the rules of tree.py's reference walk (_fill / _flat / _has_provision), with
 * the tag classes tree.py passes to configure(): a child provision becomes a tuple; <enum> and
 * <header> (the first of each) are flattened; <toc>, <metadata>, ... are skipped; transparent
 * wrappers and unknown elements holding provisions are walked through; any other element is
 * flattened into the provision's own text (spaces around block elements, curly quotes around
 * <quote>, <term> and <quoted-block>; provisions inside a <quoted-block> are text). enum/header/own
 * are returned whitespace-normalised when they are ASCII (runs of space/tab/CR/LF collapsed, ends
 * stripped: what tree._clean does with an ASCII string) and raw otherwise (the caller cleans them).
 * A missing <enum>/<header> is None.
 *
 * Struct layouts: lxml's public _Element (lxml.etree.h: PyObject_HEAD, _doc, _c_node, _tag) and
 * libxml2's xmlNode, from the headers lxml ships (lxml.get_include()); tree.py only uses this module
 * when the lxml and libxml2 versions it was built against are the ones running.
 */
#include "../_lxmlshim.h"
#include <stdint.h>

/* tag classes */
enum { K_OTHER = 0, K_PROV, K_ENUM, K_HEADER, K_SKIP, K_TRANSPARENT, K_TEXTLIKE, K_TOC };
/* flat wrappers */
enum { W_NONE = 0, W_BLOCK, W_QUOTE, W_QUOTED_BLOCK };

typedef struct {
    char *name;
    unsigned char kind;
    unsigned char wrap;
    PyObject *pyname; /* for provisions: the kind string handed back */
} TagInfo;

static TagInfo *tags = NULL;
static Py_ssize_t ntags = 0;
static PyTypeObject *element_type = NULL;
static const TagInfo other_info = {NULL, K_OTHER, W_NONE, NULL};

/* Tag name -> class: an open-addressing table of the configured tags (FNV-1a of the name), behind
 * a per-walk direct-mapped cache keyed by the name pointer (libxml2 interns element names in the
 * document's dictionary, so one pointer per tag name; reset for every walk, since the pointers of a
 * freed document may be reused). */
#define TABLE_SIZE 512
static const TagInfo *table[TABLE_SIZE];

#define CACHE_SIZE 64
typedef struct {
    const xmlChar *key[CACHE_SIZE];
    const TagInfo *val[CACHE_SIZE];
} Cache;

static size_t fnv(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

static const TagInfo *lookup(const xmlChar *name) {
    for (size_t k = fnv((const char *)name);; k++) {
        const TagInfo *t = table[k & (TABLE_SIZE - 1)];
        if (t == NULL)
            return &other_info;
        if (strcmp((const char *)name, t->name) == 0)
            return t;
    }
}

static const TagInfo *classify(Cache *cache, const xmlNode *n) {
    if (n->ns != NULL && n->ns->href != NULL)
        return &other_info; /* lxml's tag is "{uri}name": in none of tree.py's sets */
    const xmlChar *name = n->name;
    size_t slot = ((uintptr_t)name >> 4) & (CACHE_SIZE - 1);
    if (cache->key[slot] != name) {
        cache->key[slot] = name;
        cache->val[slot] = lookup(name);
    }
    return cache->val[slot];
}

/* ------------------------------------------------------------------------------------------ */
/* growable UTF-8 buffer */

typedef struct {
    char *p;
    size_t len, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *np = PyMem_Realloc(b->p, cap);
        if (np == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

#define ADD_LIT(b, lit) buf_add((b), (lit), sizeof(lit) - 1)
#define LDQ "\xe2\x80\x9c" /* U+201C */
#define RDQ "\xe2\x80\x9d" /* U+201D */

static int is_text(const xmlNode *c) {
    return c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE;
}

/* tree._flat: the text under an element, spaces around blocks, quotes; <toc> writes nothing. */
static int flat(Cache *cache, const xmlNode *el, Buf *out) {
    const TagInfo *info = classify(cache, el);
    if (info->kind == K_TOC)
        return 0;
    int rc = 0;
    switch (info->wrap) {
    case W_BLOCK: rc = ADD_LIT(out, " "); break;
    case W_QUOTE: rc = ADD_LIT(out, LDQ); break;
    case W_QUOTED_BLOCK: rc = ADD_LIT(out, " " LDQ); break;
    }
    if (rc < 0)
        return -1;
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (is_text(c)) {
            if (c->content != NULL && buf_add(out, (const char *)c->content, strlen((const char *)c->content)) < 0)
                return -1;
        } else if (c->type == XML_ELEMENT_NODE) {
            if (flat(cache, c, out) < 0)
                return -1;
        } /* comments, PIs, entity references: no text of their own (their tail is the next text node) */
    }
    switch (info->wrap) {
    case W_BLOCK: return ADD_LIT(out, " ");
    case W_QUOTE: return ADD_LIT(out, RDQ);
    case W_QUOTED_BLOCK: return ADD_LIT(out, RDQ " ");
    }
    return 0;
}

/* tree._has_provision: a provision among the descendants, not inside a <quoted-block>. */
static int has_provision(Cache *cache, const xmlNode *el) {
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const TagInfo *info = classify(cache, c);
        if (info->kind == K_PROV)
            return 1;
        if (info->name != NULL && strcmp(info->name, "quoted-block") == 0)
            continue;
        if (has_provision(cache, c))
            return 1;
    }
    return 0;
}

/* The buffer as a str: ASCII text with its whitespace normalised (what tree._clean does with an
 * ASCII string), else raw (the caller cleans it). */
static PyObject *to_str(Buf *b) {
    if (!is_ascii(b->p, b->len))
        return PyUnicode_DecodeUTF8(b->p, (Py_ssize_t)b->len, NULL);
    return ascii_clean(b->p, b->len);
}

static PyObject *field(Cache *cache, const xmlNode *el) {
    Buf b = {NULL, 0, 0};
    PyObject *r = NULL;
    if (flat(cache, el, &b) == 0)
        r = to_str(&b);
    PyMem_Free(b.p);
    return r;
}

static int fill(Cache *cache, const xmlNode *el, PyObject *kids, Buf *own);

/* One provision element -> (kind, enum, header, own, provisions). */
static PyObject *build(Cache *cache, const xmlNode *el, PyObject *kind) {
    const xmlNode *e = NULL, *h = NULL;
    for (const xmlNode *c = el->children; c != NULL && (e == NULL || h == NULL); c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int k = classify(cache, c)->kind;
        if (k == K_ENUM && e == NULL)
            e = c;
        else if (k == K_HEADER && h == NULL)
            h = c;
    }
    PyObject *enum_s = NULL, *header_s = NULL, *own_s = NULL, *kids = NULL;
    Buf own = {NULL, 0, 0};
    if (e != NULL) {
        if ((enum_s = field(cache, e)) == NULL)
            goto fail;
    } else {
        enum_s = Py_NewRef(Py_None);
    }
    if (h != NULL) {
        if ((header_s = field(cache, h)) == NULL)
            goto fail;
    } else {
        header_s = Py_NewRef(Py_None);
    }
    if ((kids = PyList_New(0)) == NULL)
        goto fail;
    if (fill(cache, el, kids, &own) < 0)
        goto fail;
    if ((own_s = to_str(&own)) == NULL)
        goto fail;
    PyMem_Free(own.p);
    PyObject *t = PyTuple_New(5);
    if (t == NULL) {
        own.p = NULL;
        goto fail;
    }
    PyTuple_SET_ITEM(t, 0, Py_NewRef(kind));
    PyTuple_SET_ITEM(t, 1, enum_s);
    PyTuple_SET_ITEM(t, 2, header_s);
    PyTuple_SET_ITEM(t, 3, own_s);
    PyTuple_SET_ITEM(t, 4, kids);
    return t;
fail:
    PyMem_Free(own.p);
    Py_XDECREF(enum_s);
    Py_XDECREF(header_s);
    Py_XDECREF(own_s);
    Py_XDECREF(kids);
    return NULL;
}

/* tree._fill: the children of el into kids (provisions) and own (text). */
static int fill(Cache *cache, const xmlNode *el, PyObject *kids, Buf *own) {
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue; /* the provision's own text nodes and tails are not its text */
        const TagInfo *info = classify(cache, c);
        switch (info->kind) {
        case K_PROV: {
            PyObject *t = build(cache, c, info->pyname);
            if (t == NULL)
                return -1;
            int rc = PyList_Append(kids, t);
            Py_DECREF(t);
            if (rc < 0)
                return -1;
            break;
        }
        case K_ENUM:
        case K_HEADER:
        case K_SKIP:
        case K_TOC:
            break;
        case K_TEXTLIKE:
            if (flat(cache, c, own) < 0)
                return -1;
            break;
        case K_TRANSPARENT:
            if (fill(cache, c, kids, own) < 0)
                return -1;
            break;
        default:
            if (has_provision(cache, c)) {
                if (fill(cache, c, kids, own) < 0)
                    return -1;
            } else if (flat(cache, c, own) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */

static PyObject *py_fill(PyObject *self, PyObject *arg) {
    if (element_type == NULL || tags == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_ctree.configure() was not called");
        return NULL;
    }
    if (Py_TYPE(arg) != element_type) {
        PyErr_SetString(PyExc_TypeError, "fill() expects an lxml.etree._Element");
        return NULL;
    }
    const xmlNode *el = ((ElementShim *)arg)->_c_node;
    if (el == NULL || el->type != XML_ELEMENT_NODE) {
        PyErr_SetString(PyExc_TypeError, "fill() expects an element node");
        return NULL;
    }
    Cache *cache = PyMem_Calloc(1, sizeof(Cache));
    if (cache == NULL)
        return PyErr_NoMemory();
    PyObject *kids = PyList_New(0), *own_s = NULL, *r = NULL;
    Buf own = {NULL, 0, 0};
    /* own text raw: the caller joins the texts of several bodies before cleaning */
    if (kids != NULL && fill(cache, el, kids, &own) == 0 &&
        (own_s = PyUnicode_DecodeUTF8(own.p ? own.p : "", (Py_ssize_t)own.len, NULL)) != NULL)
        r = PyTuple_Pack(2, kids, own_s);
    PyMem_Free(own.p);
    PyMem_Free(cache);
    Py_XDECREF(kids);
    Py_XDECREF(own_s);
    return r;
}

static void clear_tags(void) {
    for (Py_ssize_t i = 0; i < ntags; i++) {
        PyMem_Free(tags[i].name);
        Py_XDECREF(tags[i].pyname);
    }
    PyMem_Free(tags);
    tags = NULL;
    memset(table, 0, sizeof(table));
    ntags = 0;
}

/* configure(element_type, [(tag, kind, wrap), ...]) */
static PyObject *py_configure(PyObject *self, PyObject *args) {
    PyObject *etype, *spec;
    if (!PyArg_ParseTuple(args, "O!O!", &PyType_Type, &etype, &PyList_Type, &spec))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(spec);
    TagInfo *t = PyMem_Calloc(n ? (size_t)n : 1, sizeof(TagInfo));
    if (t == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name;
        int kind, wrap;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(spec, i), "sii", &name, &kind, &wrap))
            goto fail;
        if (kind < K_OTHER || kind > K_TOC || wrap < W_NONE || wrap > W_QUOTED_BLOCK) {
            PyErr_SetString(PyExc_ValueError, "bad tag class");
            goto fail;
        }
        size_t len = strlen(name) + 1;
        if ((t[i].name = PyMem_Malloc(len)) == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        memcpy(t[i].name, name, len);
        t[i].kind = (unsigned char)kind;
        t[i].wrap = (unsigned char)wrap;
        if ((t[i].pyname = PyUnicode_InternFromString(name)) == NULL)
            goto fail;
    }
    if (n > TABLE_SIZE / 2) {
        PyErr_SetString(PyExc_ValueError, "too many tags");
        goto fail;
    }
    clear_tags();
    tags = t;
    ntags = n;
    memset(table, 0, sizeof(table));
    for (Py_ssize_t i = 0; i < n; i++) {
        size_t k = fnv(t[i].name);
        while (table[k & (TABLE_SIZE - 1)] != NULL)
            k++;
        table[k & (TABLE_SIZE - 1)] = &t[i];
    }
    Py_XSETREF(element_type, (PyTypeObject *)Py_NewRef(etype));
    Py_RETURN_NONE;
fail:
    for (Py_ssize_t i = 0; i < n; i++) {
        PyMem_Free(t[i].name);
        Py_XDECREF(t[i].pyname);
    }
    PyMem_Free(t);
    return NULL;
}

static PyMethodDef methods[] = {
    {"fill", py_fill, METH_O, "fill(element) -> (provisions, own_text); see the module comment in _ctree.c"},
    {"configure", py_configure, METH_VARARGS, "configure(element_type, [(tag, kind, wrap), ...])"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "tracker.diff._ctree",
    "Native walk of a parsed bill body (see tracker/diff/_ctree.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__ctree(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (add_version_constants(m) < 0 ||
        PyModule_AddIntConstant(m, "K_OTHER", K_OTHER) < 0 || PyModule_AddIntConstant(m, "K_PROV", K_PROV) < 0 ||
        PyModule_AddIntConstant(m, "K_ENUM", K_ENUM) < 0 || PyModule_AddIntConstant(m, "K_HEADER", K_HEADER) < 0 ||
        PyModule_AddIntConstant(m, "K_SKIP", K_SKIP) < 0 ||
        PyModule_AddIntConstant(m, "K_TRANSPARENT", K_TRANSPARENT) < 0 ||
        PyModule_AddIntConstant(m, "K_TEXTLIKE", K_TEXTLIKE) < 0 || PyModule_AddIntConstant(m, "K_TOC", K_TOC) < 0 ||
        PyModule_AddIntConstant(m, "W_NONE", W_NONE) < 0 || PyModule_AddIntConstant(m, "W_BLOCK", W_BLOCK) < 0 ||
        PyModule_AddIntConstant(m, "W_QUOTE", W_QUOTE) < 0 ||
        PyModule_AddIntConstant(m, "W_QUOTED_BLOCK", W_QUOTED_BLOCK) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
