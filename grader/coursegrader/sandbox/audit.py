"""The kernel's launcher inside the sandbox: a Python audit hook first, then ipykernel.

Run as ``python audit.py RECORD_FD CONFIG_FD -m ipykernel_launcher -f CONNECTION_FILE``. It
is a file of its own (bound read-only into the sandbox), run before anything else of the
kernel: nothing of the grader's package is importable in there.

CONFIG_FD is a pipe the grader has filled with a JSON object and closed: the run's secret,
the folders of trusted code (the read-only Python environment), the file names IPython will
give the test cells. It is read to its end and closed before any other code runs, so the
secret is never in the environment, the command line or a file.

RECORD_FD is the write end of a pipe whose read end only the grader holds, outside the
sandbox. PEP 578's audit hook, which cannot be removed once added, writes a record there for
what matters, *before* the event takes effect: code compiled or executed, tracing hooks,
heap walks, frames reached from student code, ctypes, code objects built, marshal and
pickle loading code, /proc/*/mem opened, more audit hooks; and, when a cell's code is about
to run, the state of the IPython shell that runs it. Each record is

    4 bytes length | 32 bytes HMAC-SHA256(secret, body) | body (marshal of a tuple)

with body ``(seq, pid, kind, ...)``, seq counting from 0 in each process. A record is at
most PIPE_BUF bytes, so that the write of one record is atomic even when threads or forked
processes write at once; long sources go in several "more" records.

The hook uses only objects it bound when it was installed (C functions and its own
closure), so patching a module afterwards cannot change what it writes.
"""

import sys


def code_measures():
    """(digest, asserts) of a code object: the digest of what it does (its bytecode,
    names, constants and nested code; not its file name or line numbers), and how many
    assert statements it holds. The grader computes the same of the code it expects."""
    import _hashlib
    import marshal
    import opcode
    import types

    load_assertion_error = opcode.opmap["LOAD_ASSERTION_ERROR"]
    dumps, sha256, code_type, bytes_count = (
        marshal.dumps, _hashlib.openssl_sha256, types.CodeType, bytes.count)
    type_, repr_, sorted_, frozenset_, tuple_ = type, repr, sorted, frozenset, tuple
    join = b"".join

    def digest(co):
        parts = []
        stack = [co]
        while stack:
            c = stack.pop()
            consts = []
            for const in c.co_consts:
                if type_(const) is code_type:
                    stack.append(const)
                    consts.append("<code>")
                elif type_(const) is frozenset_:
                    consts.append("frozenset" + repr_(sorted_(repr_(x) for x in const)))
                else:
                    consts.append(repr_(const))
            parts.append(dumps((c.co_code, c.co_names, c.co_varnames, c.co_freevars,
                                c.co_cellvars, c.co_argcount, c.co_posonlyargcount,
                                c.co_kwonlyargcount, c.co_flags, c.co_name,
                                c.co_exceptiontable, tuple_(consts)), 2))  # 2: no refs
        return sha256(join(parts)).hexdigest()

    def asserts(co):
        n, stack = 0, [co]
        while stack:
            c = stack.pop()
            n += bytes_count(c.co_code[::2], load_assertion_error)
            stack.extend(x for x in c.co_consts if type_(x) is code_type)
        return n

    return digest, asserts


def plain_value_types():
    """The types of namespace values that hold no code of anyone's: the walks skip them."""
    import types

    return frozenset({types.ModuleType, type(len), str, int, float, bool, type(None), bytes,
                      tuple, list, dict, set, frozenset, type(str.join), type(int.real),
                      type(dict.__dict__["fromkeys"]), type(type.__dict__["__dict__"]),
                      type(object.__init__)})


def module_snapshot():
    """What the hook's walks (walk_modules in _install) would read now of every library
    module and of the classes it defines, for a process that runs no student code yet and
    forks kernels: the fork server (forkserver.py) takes it once its imports are done. A
    kernel forked from it starts its walks from this, so that the namespaces of the libraries
    imported before the fork are read again only where they changed since: at the first test
    cell as at the last, the same rule as for what the first walk read.

    A walk tells a changed namespace by its values' identities. A few values can be changed
    in place, keeping their identity, where the walk would judge them differently: so the
    snapshot also lists them, and the hook checks them before each walk (snapshot_holds in
    _install), and reads everything again where one has changed:
      * "typed": every module value that is an instance of some class, with its class (an
        instance whose ``__class__`` a student sets to their own class is the student's);
      * "partials": functools.partial objects (``__setstate__`` changes what they call);
      * "wrapped": classmethod and staticmethod objects in the classes (``__init__`` changes
        the function they hold).
    A function's ``__code__`` set to a student's code is recorded by the hook whoever sets it
    (the ``object.__setattr__`` audit event)."""
    import functools
    import types

    plain = plain_value_types()
    function_type, module_type, partial_type = (types.FunctionType, types.ModuleType,
                                                functools.partial)
    type_module = type.__dict__["__module__"].__get__
    class_dict = type.__dict__["__dict__"].__get__
    modules, typed, partials, wrapped = {}, [], [], []
    for name, module in list(sys.modules.items()):
        if type(name) is not str or type(module) is not module_type:
            continue
        d = object.__getattribute__(module, "__dict__")
        if type(d.get("__file__")) is not str:
            continue
        classes, class_values = [], {}
        for attr, value in list(d.items()):
            kind = type(value)
            if type(attr) is not str or kind in plain or kind is function_type:
                continue
            if issubclass(kind, type):
                if type_module(value) == name:  # the module's own class, as the walk reads it
                    classes.append((attr, value))
                    class_values[attr] = tuple(class_dict(value).values())
                    wrapped += [(v, v.__func__) for v in class_values[attr]
                                if type(v) is classmethod or type(v) is staticmethod]
                continue
            typed.append((value, kind))
            for _ in range(4):  # as far as the walk's origin() follows them
                if type(value) is not partial_type:
                    break
                partials.append((value, value.func))
                value = value.func
        modules[name] = (tuple(d.values()), tuple(classes), class_values)
    columns = {"typed": typed, "partials": partials, "wrapped": wrapped}
    return {"modules": modules,
            **{key: (tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))
               for key, pairs in columns.items()}}


def _install(record_fd, config, snapshot=None):  # noqa: C901 - one closure on purpose
    import _hashlib
    import _operator
    import _signal
    import _thread
    import builtins
    import functools
    import gc
    import itertools
    import marshal
    import os
    import types

    key = bytes.fromhex(config["key"])
    base_mac = _hashlib.hmac_new(key, digestmod="sha256")  # keeps the key inside OpenSSL
    del key
    trusted = tuple(p.rstrip("/") + "/" for p in config["trusted"])
    # library modules and classes are read at the first and the last test cell (reading
    # every namespace of torch at every test cell costs more than the grading budget)
    edges = frozenset(config.get("tests", ())[:1] + config.get("tests", ())[-1:])
    # the cells checked against the record (the tests and the canaries): the shell that
    # runs them is read before each of their statements, no other cell's
    checked = frozenset([*config.get("tests", ()), *config.get("canaries", ())])
    cell_prefix = config.get("cell_prefix", "/tmp/ipykernel_")

    # Everything the hook calls, bound now: a student who later replaces a module's
    # attribute or a built-in cannot change what the hook does or writes.
    write, getpid, getframe, get_ident = os.write, os.getpid, sys._getframe, _thread.get_ident
    gettrace, getprofile, getsignal = sys.gettrace, sys.getprofile, _signal.getsignal
    dumps, sha256 = marshal.dumps, _hashlib.openssl_sha256
    str_type, str_encode, str_startswith, str_endswith, str_rpartition = (
        str, str.encode, str.startswith, str.endswith, str.rpartition)
    bytes_join, bytes_decode = b"".join, bytes.decode
    text_types = (str, bytes, bytearray, memoryview)
    issubclass_, list_, map_, partial_type = issubclass, list, map, functools.partial
    classmethod_, staticmethod_ = classmethod, staticmethod
    frozenset_, tuple_, type_, len_, id_, range_ = frozenset, tuple, type, len, id, range
    all_, is_ = all, _operator.is_
    # for the walks' check of all the functions at once, in C: see students_among
    compress, repeat, filterfalse = itertools.compress, itertools.repeat, itertools.filterfalse
    get_filename = _operator.attrgetter("co_filename")
    get_referents = gc.get_referents
    starts_trusted = _operator.methodcaller("startswith", trusted)
    object_getattribute = object.__getattribute__
    code_type, function_type, method_type = types.CodeType, types.FunctionType, types.MethodType
    module_type = types.ModuleType
    # a class's name, module, dict and MRO, read without its metaclass's say
    type_name = type.__dict__["__name__"].__get__
    type_module = type.__dict__["__module__"].__get__
    type_mro = type.__dict__["__mro__"].__get__
    class_dict = type.__dict__["__dict__"].__get__
    proxy_type = type(class_dict(type))
    proxy_values, proxy_items, proxy_get = proxy_type.values, proxy_type.items, proxy_type.get
    dict_get, dict_items, dict_values = dict.get, dict.items, dict.values
    digest, asserts = code_measures()
    builtins_dict = builtins.__dict__
    builtins_before = dict(builtins_dict)
    modules = sys.modules
    missing = object()
    plain_types = plain_value_types()
    get_func, get_dunder_func = _operator.attrgetter("func"), _operator.attrgetter("__func__")

    # what IPython and ipykernel themselves put into builtins while a cell runs
    ipython_builtins = frozenset_({"_", "__", "___", "exit", "quit", "get_ipython", "display",
                                   "__IPYTHON__", "input", "raw_input", "help"})
    # library functions that hand a frame to their caller
    proxies = ("/inspect.py", "/traceback.py")
    # the folders of ctypes itself and of front ends that hand its powers to their caller
    # (numpy.ctypeslib.as_array reads any address it is given)
    ctypes_dirs = ("/ctypes", "/ctypes/macholib", "/numpy/ctypeslib")
    # where shared libraries are read-only inside the sandbox
    system_libs = trusted + ("/usr/", "/lib/", "/lib64/")
    max_body = 4096 - 4 - 32  # a record fits in PIPE_BUF: one atomic write
    chunk = 3000
    state = {"seq": 0, "pid": getpid(), "walking": False}
    busy = set()  # threads inside the hook (the hook's own events are not recorded)
    # ids of code objects that student code compiled or built under a library's file name
    # (or none): the others are the student's by their file name alone. id() raises an
    # audit event of its own, so the hook calls it only while this set is not empty.
    student_codes = set()
    keep = []  # ... kept alive, so that their ids stay theirs
    seen_modules = {}  # module name -> its namespace's values (at the edge test cells)
    # (a fork server's module_snapshot: the walks start from it, copied where it is mutable)
    snapshot_checks = None
    if snapshot is not None:
        for name, (values, classes, class_values) in snapshot["modules"].items():
            seen_modules[name] = (values, tuple_(classes), dict(class_values))
        snapshot_checks = (snapshot["typed"], snapshot["partials"], snapshot["wrapped"])
    del snapshot
    class_origins = {}  # id of a class -> (the class, origin(class)), for one walk
    watched = frozenset_({
        "compile", "exec", "open", "sys.settrace", "sys.setprofile", "gc.get_objects",
        "gc.get_referrers", "gc.get_referents", "sys._getframe", "sys._current_frames",
        "code.__new__", "function.__new__", "marshal.loads", "marshal.load",
        "pickle.find_class", "sys.addaudithook", "ctypes.dlopen", "ctypes.dlsym",
        "ctypes.addressof", "ctypes.cdata", "ctypes.string_at", "ctypes.wstring_at",
        "ctypes.call_function", "ctypes.PyObj_FromPtr", "object.__setattr__",
        "object.__delattr__", "object.__getattr__", "os.fork", "os.forkpty",
    })
    # attributes that hand out a frame (reading them raises object.__getattr__)
    frame_attrs = frozenset_({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
    # the shell's methods that run a cell or report its failure
    shell_methods = ("run_cell", "run_cell_async", "run_code", "run_ast_nodes",
                     "showtraceback", "_showtraceback", "showsyntaxerror",
                     "transform_cell", "transform_ast", "should_run_async", "_run_cell",
                     "ex", "ev", "run_line_magic", "run_cell_magic", "get_exception_only",
                     "_get_exc_info", "excepthook")

    def emit(kind, *fields):
        pid = getpid()
        if pid != state["pid"]:  # a forked child: its own numbering
            state["pid"], state["seq"] = pid, 0
            busy.clear()
        seq = state["seq"]
        state["seq"] = seq + 1
        body = dumps((seq, pid, kind) + fields)
        if len_(body) > max_body:
            body = dumps((seq, pid, kind, "(record too long)"))
        mac = base_mac.copy()
        mac.update(body)
        data = (4 + 32 + len_(body)).to_bytes(4, "big") + mac.digest() + body
        try:
            write(record_fd, data)
        except OSError:
            pass  # a closed channel shows as missing records

    def emit_text(kind, text, *fields):
        """A record with a source text (its digest, length and first part); the rest in
        "more" records."""
        if not issubclass_(type_(text), str_type):
            raw = bytes_join([text])
        else:
            raw = str_encode(text, "utf-8", "surrogatepass")
        head = raw[:chunk]
        emit(kind, sha256(raw).hexdigest(), len_(raw), head, *fields)
        for start in range_(chunk, min(len_(raw), 64 * chunk), chunk):
            emit("more", raw[start:start + chunk])

    def code_file(co):
        return co.co_filename

    def untrusted_file(name):
        """A file outside the read-only folders of code: a cell, a file the student wrote.
        A name that is no file ("<string>", "namedtuple_Point") is judged by who ran it."""
        if str_startswith(name, trusted):
            return False
        return "/" in name or str_endswith(name, ".py")

    def student_code(co):
        return untrusted_file(co.co_filename) or (
            len_(student_codes) > 0 and id_(co) in student_codes)

    def first_student_frame(frame):
        while frame is not None:
            if student_code(frame.f_code):
                return frame
            frame = frame.f_back
        return None

    def ctypes_caller(frame):
        """Who called ctypes: the first frame outside ctypes' own modules (and the
        front ends that hand ctypes' powers to their caller). A library that loads its
        own shared library while a student's call runs it (torch.export does, lazily) is
        the library's doing; the student's own call to ctypes is the student's."""
        while frame is not None and str_endswith(str_rpartition(frame.f_code.co_filename,
                                                                "/")[0], ctypes_dirs):
            frame = frame.f_back
        return frame

    def remember(co):
        stack = [co]
        while stack:
            c = stack.pop()
            if not untrusted_file(c.co_filename) and id_(c) not in student_codes:
                student_codes.add(id_(c))
                keep.append(c)
            for const in c.co_consts:
                if type_(const) is code_type:
                    stack.append(const)

    def origin(obj):
        """Where a value set into a namespace comes from: "" for library code, else the
        student's file (a cell) for a function, method or class written by a student."""
        for _ in range_(4):
            t = type_(obj)
            if t is method_type:
                obj = obj.__func__
            elif t is function_type:
                co = obj.__code__
                return co.co_filename if student_code(co) else ""
            elif t is type or issubclass_(t, type):
                known = dict_get(class_origins, id_(obj))  # (only while a walk runs)
                if known is not None and known[0] is obj:
                    return known[1]
                where = ""
                if type_module(obj) == "__main__":
                    where = "a class of the notebook"
                else:
                    for v in proxy_values(class_dict(obj)):
                        if type_(v) is function_type and student_code(v.__code__):
                            where = v.__code__.co_filename
                            break
                if state["walking"]:  # the classes a module re-exports, read once
                    class_origins[id_(obj)] = (obj, where)
                return where
            elif t is partial_type:
                obj = obj.func
            else:
                return origin(t) if type_module(t) == "__main__" else ""
        return ""

    def shell_marks(frame):
        """What a student changed in the shell that runs the cells (read without calling
        anything the student could have replaced)."""
        marks = []
        shell = None
        while frame is not None:
            loc = frame.f_locals if frame.f_code.co_name == "run_code" else None
            if loc is not None and "self" in loc:
                shell = loc["self"]
                break
            frame = frame.f_back
        if shell is None:
            return ("the cell did not run through IPython's run_code",)
        own = object_getattribute(shell, "__dict__")
        where = origin(type_(shell))
        if where:
            marks.append(f"the shell's class was replaced ({where})")
        mro = type_mro(type_(shell))
        for name in shell_methods:
            value = dict_get(own, name, missing)
            if value is missing:
                continue
            cls_value = missing
            for klass in mro:
                cls_value = proxy_get(class_dict(klass), name, missing)
                if cls_value is not missing:
                    break
            if type_(value) is method_type and value.__self__ is shell and \
                    value.__func__ is cls_value:
                continue  # the shell's own method, as ipykernel sets it back
            where = origin(value)
            marks.append(f"shell.{name} replaced" + (f" ({where})" if where else ""))
        if dict_get(own, "custom_exceptions"):
            # IPython wraps the handler (set_custom_exc): whose handler is in the wrapper
            handler = dict_get(own, "CustomTB")
            where = origin(handler)
            f = handler.__func__ if type_(handler) is method_type else handler
            for cell in (f.__closure__ or ()) if type_(f) is function_type else ():
                try:
                    where = where or origin(cell.cell_contents)
                except ValueError:  # an empty cell
                    pass
            if where:
                marks.append(f"a custom exception handler (set_custom_exc) from {where}")
        traits = dict_get(own, "_trait_values", {})
        manager = dict_get(traits, "input_transformer_manager") or dict_get(
            own, "input_transformer_manager")
        lists = [("input_transformers_post", dict_get(traits, "input_transformers_post", ())),
                 ("ast_transformers", dict_get(traits, "ast_transformers", ()))]
        if manager is not None:
            mdict = object_getattribute(manager, "__dict__")
            for name in ("cleanup_transforms", "line_transforms", "token_transformers"):
                lists.append((f"input transformer ({name})", dict_get(mdict, name, ())))
        for name, items in lists:
            for item in items or ():
                where = origin(item)
                if where:
                    marks.append(f"{name}: a transformer from {where}")
        events = dict_get(traits, "events") or dict_get(own, "events")
        if events is not None:
            callbacks = dict_get(object_getattribute(events, "__dict__"), "callbacks", {})
            for event, funcs in dict_items(callbacks):
                if type_(event) is not str:
                    continue
                for f in funcs:
                    where = origin(f)
                    if where:
                        marks.append(f"an IPython event callback on {event} ({where})")
        for signum in range_(1, 65):
            try:
                handler = getsignal(signum)
            except (ValueError, OSError):
                continue
            where = origin(handler) if handler is not None else ""
            if where:
                marks.append(f"a signal handler for signal {signum} ({where})")
        if gettrace() is not None:
            marks.append("a tracing function is set")
        if getprofile() is not None:
            marks.append("a profiling function is set")
        for name, was in dict_items(builtins_before):
            value = dict_get(builtins_dict, name, missing)
            if value is not was:
                where = origin(value) if value is not missing else ""
                if where or name not in ipython_builtins:
                    marks.append(f"builtins.{name} replaced" + (f" ({where})" if where else ""))
        return tuple_(marks)

    def patched_modules(with_classes):
        """Library modules (and their classes, ``with_classes``) whose namespace now holds
        student code. A module's namespace is read again only when it changed."""
        state["walking"] = True
        try:
            if snapshot_checks is not None and not snapshot_holds():
                seen_modules.clear()  # read everything again, as with no snapshot
            found = walk_modules(with_classes, quick=True)
            if found is None:  # student code in there: read it all again, value by value
                class_origins.clear()
                found = walk_modules(with_classes, quick=False)
            return found
        finally:
            state["walking"] = False
            class_origins.clear()

    def snapshot_holds():
        """Whether the values of the fork server's snapshot that can change in place without
        a new identity are as they were (module_snapshot). Each check is one pass in C."""
        (objects, types), (partials, funcs), (wrapped, wrapped_funcs) = snapshot_checks
        return (all_(map_(is_, map_(type_, objects), types))
                and all_(map_(is_, map_(get_func, partials), funcs))
                and all_(map_(is_, map_(get_dunder_func, wrapped), wrapped_funcs)))

    def same(before, now):
        """The same values, one by one (by identity: comparing with == could run a
        student's __eq__, and id() raises an audit event for every value)."""
        return len_(before) == len_(now) and all_(map_(is_, before, now))

    def students_among(functions):
        """Whether one of ``functions`` runs student code (student_code of its code), all
        read at once, in C: a function's code is among its referents (func_traverse), so
        one gc.get_referents call finds every code object, where reading ``f.__code__``
        raises an audit event for each of the walk's tens of thousands of functions."""
        if len_(functions) == 0:
            return False
        refs = get_referents(*functions)
        codes = tuple_(compress(refs, map_(is_, map_(type_, refs), repeat(code_type))))
        for name in filterfalse(starts_trusted, map_(get_filename, codes)):
            if untrusted_file(name):
                return True
        if len_(student_codes) > 0:
            for co in codes:
                if id_(co) in student_codes:
                    return True
        return False

    def walk_modules(with_classes, quick):
        """The findings of one walk. ``quick``: the functions are not judged one by one but
        all together at the end (students_among), and what was read is kept only when none
        of them is a student's; else the walk returns None, and the caller walks again with
        ``quick=False``, which judges each value as it comes (the same findings, in order)."""
        found = []
        functions = []  # (quick) the functions met, judged together at the end
        keep_later = []  # (quick) what this walk read, kept once the functions are judged
        classes_met, held = set(), []  # (quick) the other modules' classes already read
        for name, module in list_(dict_items(modules)):
            if type_(name) is not str or type_(module) is not module_type:
                continue
            d = object_getattribute(module, "__dict__")
            mfile = dict_get(d, "__file__")
            if type_(mfile) is not str or not str_startswith(mfile, trusted):
                continue
            values = tuple_(dict_values(d))
            known = seen_modules.get(name)
            if known is None or not same(known[0], values):
                classes = []
                for attr, value in list_(dict_items(d)):
                    if type_(attr) is not str or type_(value) in plain_types:
                        continue
                    if issubclass_(type_(value), type) and type_module(value) == name:
                        classes.append((attr, value))  # the module's own class
                        continue
                    if quick and type_(value) is function_type:
                        if not str_startswith(attr, "__"):
                            functions.append(value)
                        continue
                    if quick and issubclass_(type_(value), type) and \
                            type_module(value) != "__main__":
                        # another module's class: origin() would look for a student's
                        # function in it (once a walk); so do its functions, at the end
                        if not str_startswith(attr, "__") and id_(value) not in classes_met:
                            classes_met.add(id_(value))
                            held.append(value)  # (its id stays its own for the walk)
                            functions.extend(v for v in proxy_values(class_dict(value))
                                             if type_(v) is function_type)
                        continue
                    where = origin(value)
                    if where and not str_startswith(attr, "__"):
                        found.append(name + "." + attr + " holds code from " + where)
                known = (values, classes, {})
                if quick:
                    keep_later.append((seen_modules, name, known))
                else:
                    seen_modules[name] = known
            for attr, cls in known[1] if with_classes else ():
                cvalues = tuple_(proxy_values(class_dict(cls)))
                if same(known[2].get(attr, ()), cvalues):
                    continue
                if quick:
                    keep_later.append((known[2], attr, cvalues))
                else:
                    known[2][attr] = cvalues
                for cattr, cvalue in list_(proxy_items(class_dict(cls))):
                    f = cvalue
                    if type_(f) is classmethod_ or type_(f) is staticmethod_:
                        f = f.__func__
                    if type_(f) is not function_type or type_(cattr) is not str:
                        continue
                    if quick:
                        functions.append(f)
                    elif student_code(f.__code__):
                        found.append(name + "." + attr + "." + cattr + " holds code from "
                                     + f.__code__.co_filename)
        if quick:
            if students_among(functions):
                return None
            for where, key, value in keep_later:
                where[key] = value
        return tuple_(found)

    def hook(event, args):
        if event not in watched:
            return
        # the commonest watched events, settled before anything else (handle would return
        # at once for them too): a library reading a function's __code__ (the walks read
        # tens of thousands), running its own module's code, opening its own files
        if event == "object.__getattr__":
            if args[1] not in frame_attrs:
                return
        elif event == "exec":
            # (not when a code id must be looked up: id() raises an event of its own, which
            # another hook could turn into an exception, caught only below)
            code = args[0]
            if type_(code) is code_type and len_(student_codes) == 0 and \
                    str_startswith(code.co_filename, trusted):
                return
        elif event == "open":
            path = args[0]
            if type_(path) is str and not (str_startswith(path, "/proc/")
                                           and str_endswith(path, "/mem")):
                return
        ident = get_ident()
        if ident in busy:
            return
        busy.add(ident)
        try:
            handle(event, args)
        except BaseException as err:  # never let the hook break the student's code
            try:
                tb = err.__traceback__
                while tb.tb_next is not None:
                    tb = tb.tb_next
                emit("error", event, type_name(type_(err)), tb.tb_lineno)
            except BaseException:
                pass  # (the record then misses a number: the grader sees a gap)
        finally:
            busy.discard(ident)

    def handle(event, args):
        # cheap tests on the arguments first: most events are a library's, while importing
        if event == "object.__getattr__":
            if args[1] not in frame_attrs:
                return
        elif event == "open":
            path = args[0]
            if type_(path) is bytes:
                path = bytes_decode(path, "utf-8", "replace")
            if type_(path) is str:
                if not (str_startswith(path, "/proc/") and str_endswith(path, "/mem")):
                    return
            elif type_(path) is int:
                return
        elif event == "exec":
            code = args[0]
            if type_(code) is not code_type:
                return
            name = code.co_filename
            if str_startswith(name, trusted) and (
                    len_(student_codes) == 0 or id_(code) not in student_codes):
                return  # a library's module or function, run by a library
        frame = getframe(2)  # the innermost frame of Python code: the one that raised it
        co = frame.f_code
        by_student = student_code(co)
        if event == "compile":
            source, filename = args[0], args[1]
            filename = filename if type_(filename) is str else ""
            cell = str_startswith(filename, cell_prefix)
            if not (by_student or cell or untrusted_file(filename)):
                return
            if issubclass_(type_(source), text_types):
                emit_text("compile", source, filename, co.co_filename, by_student)
                base = str_rpartition(filename, "/")[2]
                if cell and base in edges:
                    # a test cell's text, parsed once before any of it runs
                    emit("libraries", filename, patched_modules(True))
            else:
                emit("compile-ast", filename, co.co_filename, by_student)
            return
        if event == "exec":
            filename = code.co_filename
            cell = str_startswith(filename, cell_prefix)
            if by_student:
                remember(code)
            if not (by_student or cell or student_code(code)):
                return
            under = first_student_frame(frame)
            under = under.f_code.co_filename if under is not None else ""
            marks = ()
            if cell and str_rpartition(filename, "/")[2] in checked:
                marks = shell_marks(frame)
            emit("exec", filename, co.co_filename, by_student, digest(code), asserts(code),
                 code.co_flags, under, marks)
            return
        if event == "open":
            if by_student or type_(path) is str:
                emit("event", "open", co.co_filename,
                     path if type_(path) is str else "a path of type " + type_name(type_(path)))
            return
        if event == "function.__new__":
            if by_student:
                remember(args[0])
            return
        if event == "object.__getattr__":
            if by_student:
                emit("event", event, co.co_filename, type_name(type_(args[0])) + "." + args[1])
            return
        if event in ("object.__setattr__", "object.__delattr__"):
            if not by_student and event == "object.__setattr__" and \
                    type_(args[1]) is str_type and args[1] == "__code__":
                # student code given to a function by a library's hand (unittest.mock, say):
                # a walk that trusts an unchanged namespace would not see it
                value = args[2]
                by_student = type_(value) is code_type and student_code(value)
            if by_student:
                emit("event", event, co.co_filename, (type_name(type_(args[0])) + "." + args[1])
                     if type_(args[1]) is str else "")
            return
        name = None
        if event == "sys._getframe" or event == "sys._current_frames":
            if not by_student and str_endswith(co.co_filename, proxies):
                caller = frame.f_back  # inspect.currentframe() and the like, for a student
                by_student = caller is not None and student_code(caller.f_code)
        elif str_startswith(event, "ctypes.") and not by_student:
            caller = ctypes_caller(frame)
            by_student = caller is not None and student_code(caller.f_code)
            name = args[0] if event == "ctypes.dlopen" else None
            if type_(name) is bytes:
                name = bytes_decode(name, "utf-8", "replace")
            if type_(name) is str and "/" in name and not str_startswith(name, system_libs):
                # a library loaded from a folder the kernel can write to runs its own
                # native code, whoever asked for it
                by_student = True
        if by_student or event == "sys.addaudithook":
            detail = ""
            if event == "pickle.find_class" and type_(args[0]) is str and type_(args[1]) is str:
                detail = (args[0] + "." + args[1])[:200]
            elif event == "ctypes.dlopen" and type_(name) is str:
                detail = name[:200]
            emit("event", event, co.co_filename, detail)

    sys.addaudithook(hook)
    # (the number of modules the walks start from: 0 in a kernel that was not forked)
    emit("start", trusted, cell_prefix, len_(seen_modules))


def main(argv):
    import json
    import os
    import runpy

    record_fd, config_fd = int(argv[1]), int(argv[2])
    with os.fdopen(config_fd, "rb") as fh:
        config = json.loads(fh.read())
    rest = argv[3:]
    if rest[:1] != ["-m"] or len(rest) < 2:
        raise SystemExit("usage: audit.py RECORD_FD CONFIG_FD -m MODULE [ARGS...]")
    module = rest[1]
    import importlib.util

    spec = importlib.util.find_spec(module)  # before the working folder is on the path
    if spec is None or spec.origin is None:
        raise SystemExit(f"no module named {module}")
    # a kernel forked from the fork server is handed its snapshot (forkserver.py)
    snapshot = globals().pop("FORK_SNAPSHOT", None)
    _install(record_fd, config, snapshot)
    del config, snapshot
    sys.argv = [spec.origin, *rest[2:]]
    sys.path[0] = os.getcwd()  # as `python -m` does: the student's own modules import
    runpy.run_path(spec.origin, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv)
