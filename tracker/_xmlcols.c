/* Columns of repeated records under an lxml element (optional speed-up; see setup.py and
 * tracker/xmlsafe.py:columns).
 *
 *     columns(parent, row_tag, fields) -> [column, ...] or None
 *     fields = ((child_tag, attribute or None, normalise), ...)
 *
 * For every element child of `parent` named `row_tag` (no namespace), one value per field: the
 * attribute `attribute` of the row's child element `child_tag` (None when absent), or, with
 * attribute None, that child's text (lxml's `.text`). `normalise` collapses whitespace as
 * `" ".join(s.split())` does (None -> ""). It reads libxml2's nodes directly, without the lxml
 * proxy object per element and the string per `.tag` that a Python loop over 435 House members
 * pays.
 *
 * Returns None, so that the caller runs its own per-element loop, whenever a record is not in the
 * plain shape: a field's child element missing or present more than once, a text field's element
 * holding child elements, an attribute value that is not one text node. The caller's loop then
 * decides (and raises its own errors); this module never guesses.
 *
 * Struct layouts: lxml's public _Element (lxml.etree.h) and libxml2's xmlNode/xmlAttr, from the
 * headers lxml ships; xmlsafe.py only uses this module when the lxml and libxml2 versions it was
 * built against are the ones running.
 */
#include "_lxmlshim.h"

static PyTypeObject *element_type = NULL;

#define MAX_FIELDS 32

typedef struct {
    const char *child; /* NULL: the row element itself */
    const char *attr;  /* NULL: text */
    int normalise;
    int slot; /* index of the distinct child this field reads */
} Field;

static int is_plain(const xmlNode *n, const char *name) {
    return n->type == XML_ELEMENT_NODE && n->ns == NULL && strcmp((const char *)n->name, name) == 0;
}

static PyObject *str_of(const char *s, size_t n) {
    return is_ascii(s, n) ? ascii_str(s, n) : PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, NULL);
}

/* " ".join(s.split()) on UTF-8 bytes: ASCII in C, anything else through str.split/str.join. */
static PyObject *normalised(const char *s, size_t n) {
    if (is_ascii(s, n))
        return ascii_clean(s, n);
    PyObject *u = PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, NULL);
    if (u == NULL)
        return NULL;
    PyObject *parts = PyUnicode_Split(u, NULL, -1);
    Py_DECREF(u);
    if (parts == NULL)
        return NULL;
    PyObject *sep = PyUnicode_FromStringAndSize(" ", 1);
    PyObject *r = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return r;
}

/* The element's text (its text/CDATA children; it has no element children, checked by the
 * caller) as a str, or None; normalised when asked. *irregular set on a shape we do not read. */
static PyObject *text_value(const xmlNode *el, int normalise, int *irregular) {
    const xmlNode *only = NULL;
    size_t total = 0;
    int count = 0;
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content != NULL && c->content[0] != '\0') {
                only = c;
                total += strlen((const char *)c->content);
                count++;
            }
        } else if (c->type == XML_ELEMENT_NODE || c->type == XML_ENTITY_REF_NODE) {
            *irregular = 1; /* .text would stop here: let the caller's loop read it */
            return NULL;
        }
    }
    if (count == 0) {
        if (normalise)
            return PyUnicode_FromStringAndSize("", 0);
        Py_RETURN_NONE;
    }
    if (count == 1) {
        const char *s = (const char *)only->content;
        return normalise ? normalised(s, total) : str_of(s, total);
    }
    char *buf = PyMem_Malloc(total);
    if (buf == NULL)
        return PyErr_NoMemory();
    size_t k = 0;
    for (const xmlNode *c = el->children; c != NULL; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != NULL) {
            size_t m = strlen((const char *)c->content);
            memcpy(buf + k, c->content, m);
            k += m;
        }
    PyObject *r = normalise ? normalised(buf, k) : str_of(buf, k);
    PyMem_Free(buf);
    return r;
}

static PyObject *attr_value(const xmlNode *el, const char *name, int normalise, int *irregular) {
    for (const xmlAttr *a = el->properties; a != NULL; a = a->next) {
        if (a->ns != NULL || strcmp((const char *)a->name, name) != 0)
            continue;
        const xmlNode *c = a->children;
        if (c == NULL)
            return PyUnicode_FromStringAndSize("", 0);
        if (c->next != NULL || c->type != XML_TEXT_NODE || c->content == NULL) {
            *irregular = 1;
            return NULL;
        }
        const char *s = (const char *)c->content;
        return normalise ? normalised(s, strlen(s)) : str_of(s, strlen(s));
    }
    if (normalise)
        return PyUnicode_FromStringAndSize("", 0);
    Py_RETURN_NONE;
}

static PyObject *py_columns(PyObject *self, PyObject *args) {
    PyObject *parent, *spec;
    const char *row_tag;
    if (!PyArg_ParseTuple(args, "OsO!", &parent, &row_tag, &PyTuple_Type, &spec))
        return NULL;
    if (element_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_xmlcols.configure() was not called");
        return NULL;
    }
    if (Py_TYPE(parent) != element_type) {
        PyErr_SetString(PyExc_TypeError, "columns() expects an lxml.etree._Element");
        return NULL;
    }
    const xmlNode *p = ((ElementShim *)parent)->_c_node;
    if (p == NULL || p->type != XML_ELEMENT_NODE) {
        PyErr_SetString(PyExc_TypeError, "columns() expects an element node");
        return NULL;
    }
    Py_ssize_t nf = PyTuple_GET_SIZE(spec);
    if (nf < 1 || nf > MAX_FIELDS) {
        PyErr_SetString(PyExc_ValueError, "columns() takes 1 to 32 fields");
        return NULL;
    }
    Field fields[MAX_FIELDS];
    const char *slots[MAX_FIELDS]; /* distinct child tags */
    int nslots = 0;
    for (Py_ssize_t i = 0; i < nf; i++) {
        const char *child = NULL, *attr = NULL;
        int norm;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(spec, i), "zzp", &child, &attr, &norm))
            return NULL;
        fields[i].child = child;
        fields[i].attr = attr;
        fields[i].normalise = norm;
        fields[i].slot = -1;
        if (child != NULL) {
            for (int s = 0; s < nslots; s++)
                if (strcmp(slots[s], child) == 0)
                    fields[i].slot = s;
            if (fields[i].slot < 0) {
                slots[nslots] = child;
                fields[i].slot = nslots++;
            }
        }
    }
    PyObject *cols = PyList_New(nf);
    if (cols == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < nf; i++) {
        PyObject *c = PyList_New(0);
        if (c == NULL) {
            Py_DECREF(cols);
            return NULL;
        }
        PyList_SET_ITEM(cols, i, c);
    }
    for (const xmlNode *row = p->children; row != NULL; row = row->next) {
        if (!is_plain(row, row_tag))
            continue;
        const xmlNode *found[MAX_FIELDS];
        for (int s = 0; s < nslots; s++)
            found[s] = NULL;
        for (const xmlNode *c = row->children; c != NULL; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
                continue;
            for (int s = 0; s < nslots; s++) {
                if (strcmp((const char *)c->name, slots[s]) == 0) {
                    if (found[s] != NULL)
                        goto irregular; /* twice: which one counts is the caller's rule */
                    found[s] = c;
                    break;
                }
            }
        }
        for (Py_ssize_t i = 0; i < nf; i++) {
            const xmlNode *el = fields[i].child == NULL ? row : found[fields[i].slot];
            if (el == NULL)
                goto irregular;
            int bad = 0;
            PyObject *v = fields[i].attr != NULL ? attr_value(el, fields[i].attr, fields[i].normalise, &bad)
                                                 : text_value(el, fields[i].normalise, &bad);
            if (bad)
                goto irregular;
            if (v == NULL) {
                Py_DECREF(cols);
                return NULL;
            }
            int rc = PyList_Append(PyList_GET_ITEM(cols, i), v);
            Py_DECREF(v);
            if (rc < 0) {
                Py_DECREF(cols);
                return NULL;
            }
        }
    }
    return cols;
irregular:
    Py_DECREF(cols);
    Py_RETURN_NONE;
}

static PyObject *py_configure(PyObject *self, PyObject *etype) {
    if (!PyType_Check(etype)) {
        PyErr_SetString(PyExc_TypeError, "configure() expects lxml.etree._Element");
        return NULL;
    }
    Py_XSETREF(element_type, (PyTypeObject *)Py_NewRef(etype));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"columns", py_columns, METH_VARARGS,
     "columns(parent, row_tag, ((child_tag, attribute, normalise), ...)) -> [column, ...] or None"},
    {"configure", py_configure, METH_O, "configure(lxml.etree._Element)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "tracker._xmlcols",
    "Columns of repeated records under an lxml element (see tracker/_xmlcols.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__xmlcols(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (add_version_constants(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
