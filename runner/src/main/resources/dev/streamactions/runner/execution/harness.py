# The runner's side of every action context: loads the action's main.py, calls main with real lists and
# dicts, captures what the script logs, and checks what it returns. Evaluated once per context, before
# any code of the action; the runner calls the functions it defines and nothing else.
#
# Every context pays for what this file imports (GraalPy runs each module's code again per context), so
# it imports only what every run needs; the rest is imported where it is used.
import collections.abc
import json
import logging
import marshal
import os
import sys
import time


# Log records go to the runner as they happen, on the context's stderr, one JSON line each behind an
# ASCII record separator: so the lines logged before a timeout or a crash are not lost with the context.
_LOG_MARK = "\x1e"
_channel = sys.__stderr__


# One encoder for every log line: json.dumps would build a new one per call.
_LINE_ENCODER = json.JSONEncoder(default=str)


def _write_line(created, level_name, message, exc_info):
    exc = None
    if exc_info:
        import traceback
        exc = _strip_root("".join(traceback.format_exception(*exc_info)).rstrip())
    _channel.write(_LOG_MARK + _LINE_ENCODER.encode([created, level_name, message, exc]) + "\n")
    _channel.flush()


class _Capture(logging.Handler):
    """Hands every log record to the runner as it is logged."""

    def __init__(self):
        super().__init__(logging.DEBUG)

    def emit(self, record):
        try:
            _write_line(record.created, record.levelname, record.getMessage(), record.exc_info)
        except Exception:
            self.handleError(record)


_capture = _Capture()
_root = logging.getLogger()
_root.addHandler(_capture)
_root.setLevel(logging.INFO)


class _ActionLogger(logging.Logger):
    """The logger main gets. While logging is set up as the harness leaves it (this logger and the root
    have no other handler and no filter), a line goes straight to the runner: the same line the standard
    path would write, without its LogRecord, frame walk and handler locks. Why: this file's code is
    shared by every context of the engine, compiled once, while the logging module's code is compiled
    again for every new context (GraalPy does not share an imported module's code between contexts);
    the standard path was about a third of what a new context compiled. Anything else (an extra handler
    or filter, extra=, stack_info=, a message that does not format, a line that cannot be written) takes
    the standard path, unchanged."""

    def _log(self, level, msg, args, exc_info=None, extra=None, stack_info=False, stacklevel=1):
        if (extra is not None or stack_info or self.disabled or self.handlers or self.filters
                or not self.propagate or self.parent is not _root or _root.filters or _capture.filters
                or len(_root.handlers) != 1 or _root.handlers[0] is not _capture or level < _capture.level):
            return super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel)
        created = time.time()
        # As LogRecord does: a single non-empty mapping is the arguments by name.
        values = args
        if args and len(args) == 1 and isinstance(args[0], collections.abc.Mapping) and args[0]:
            values = args[0]
        try:
            message = str(msg)
            if values:
                message = message % values
        except Exception:
            return super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel)
        if exc_info:
            if isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            elif not isinstance(exc_info, tuple):
                exc_info = sys.exc_info()
        try:
            _write_line(created, logging.getLevelName(level), message, exc_info)
        except Exception:
            return super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel)


_state = {}
_HARNESS_FILE = (lambda: None).__code__.co_filename


class ActionError(Exception):
    """A failure the runner reports with its kind, not as the script's own exception."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _main_arity_problem(main, kind):
    """Whether main accepts the call its type makes; None for callables that are not plain functions."""
    code = getattr(main, "__code__", None)
    if code is None or type(main).__name__ != "function":
        return None
    positional = code.co_argcount
    required = positional - len(main.__defaults__ or ())
    has_varargs = bool(code.co_flags & 0x04)
    required_keywords = code.co_kwonlyargcount - len(main.__kwdefaults__ or {})
    return _arity_problem(list(code.co_varnames[:positional]), required, has_varargs, required_keywords, kind)


def _arity_problem(names, required, has_varargs, required_keywords, kind):
    wants = 2 if kind == "REALTIME" else 0
    if required <= wants and (len(names) >= wants or has_varargs) and required_keywords == 0:
        return None
    expected = "main(data, logger)" if kind == "REALTIME" else "main() with no parameters"
    return "main(%s) has the wrong parameters: a %s action defines %s" % (
        ", ".join(names), "real-time" if kind == "REALTIME" else "scheduled", expected)


def check(root, kind):
    """Checks a package without running any of its code: syntax of every .py file (but those of its
    dependencies/ folder, which are third-party code), and main's shape.

    Returns None when it is fine, else [problem, message].
    """
    skip_dir = os.path.join(root, "dependencies")
    import ast
    main_path = os.path.join(root, "main.py")
    for folder, dirs, files in os.walk(root):
        if os.path.abspath(folder) == os.path.abspath(skip_dir):
            dirs[:] = []
            continue
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                source = f.read()
            try:
                tree = ast.parse(source, filename=path)
            except SyntaxError as e:
                where = os.path.relpath(path, root)
                return ["SYNTAX_ERROR", "%s, line %s: %s%s" % (
                    where, e.lineno, e.msg, (": " + e.text.strip()) if e.text else "")]
            if path == main_path:
                problem = _check_main_tree(tree, kind)
                if problem:
                    return problem
    return None


def _check_main_tree(tree, kind):
    import ast
    defined = None
    bound_otherwise = False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main":
            defined = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target.id] if isinstance(node.target, ast.Name) else []
            else:
                targets = [(a.asname or a.name).split(".")[0] for a in node.names]
            bound_otherwise = bound_otherwise or "main" in targets
    if defined is None:
        if bound_otherwise:
            return None
        return ["NO_MAIN_FUNCTION", "main.py defines no function main: add 'def main(%s):'" % (
            "data, logger" if kind == "REALTIME" else "")]
    if isinstance(defined, ast.AsyncFunctionDef):
        return ["WRONG_MAIN_SIGNATURE", "main is 'async def'; define it with plain 'def'"]
    args = defined.args
    positional = args.posonlyargs + args.args
    required_keywords = sum(1 for d in args.kw_defaults if d is None)
    problem = _arity_problem([a.arg for a in positional], len(positional) - len(args.defaults),
                             args.vararg is not None, required_keywords, kind)
    return ["WRONG_MAIN_SIGNATURE", problem] if problem else None


# The highest recursion limit a script may set: deeper Python recursion needs more Java stack than the
# runner's threads have, and GraalPy takes seconds to unwind an overflow; at this depth it fails fast.
MAX_RECURSION_LIMIT = 8000
_set_recursion_limit = sys.setrecursionlimit


def _bounded_recursion_limit(limit):
    _set_recursion_limit(min(int(limit), MAX_RECURSION_LIMIT))


def _refuse(what, fix):
    def refuse(*args, **kwargs):
        raise PermissionError(1, "%s: %s" % (what, fix))
    return refuse


def _unicode_3_2_stand_in():
    """GraalPy serves unicodedata.ucd_3_2_0 (IDNA's tables, which requests needs) from a native module,
    and actions have no native code: stand in the current tables, labelled 3.2.0 as stringprep expects.
    Host names with characters assigned after Unicode 3.2 then encode where CPython would refuse them.
    """
    import types
    import unicodedata
    stand_in = types.ModuleType("unicodedata.ucd_3_2_0")
    # What GraalPy implements without native code; stringprep and the idna codec use the first three.
    for name in ("bidirectional", "category", "normalize", "is_normalized", "name"):
        setattr(stand_in, name, getattr(unicodedata, name))
    stand_in.unidata_version = "3.2.0"
    unicodedata.ucd_3_2_0 = stand_in


def _lock_down(allow_network):
    """Turns the sandbox's refusals into Python exceptions that say why, and that scripts can catch.

    The JVM enforces each of these anyway; without this a script would see an internal error instead.
    """
    import _socket
    import _thread
    import threading
    sys.setrecursionlimit = _bounded_recursion_limit
    _unicode_3_2_stand_in()
    no_threads = _refuse("actions cannot start threads", "do the work in main")
    _thread.start_new_thread = no_threads
    _thread.start_new = no_threads
    threading._start_new_thread = no_threads
    if not allow_network:
        # socket.py takes getaddrinfo from _socket when it is first imported, and every connection by
        # name or address (create_connection, urllib, requests) resolves through it.
        _socket.getaddrinfo = _refuse("network access is off for this action",
                                      "allow network in the action's configuration")


def prepare(root, extra_paths, kind, action_name, temp_dir, allow_network, check_first, env_json):
    """Checks the package when asked (see check), then imports main.py. Returns None, or [problem, message]."""
    import tempfile
    if check_first:
        problem = check(root, kind)
        if problem:
            return problem
    _lock_down(allow_network)
    _state["root"] = root
    _state["env"] = json.loads(env_json)
    # Module-level code of the script already sees its own variables, and only those.
    os.environ.clear()
    os.environ.update(_state["env"])
    sys.path[:0] = [root] + [p for p in extra_paths.split("\n") if p]
    os.chdir(root)
    # The script's environment is exactly the action's (no TMPDIR), so point tempfile at its folder directly.
    tempfile.tempdir = temp_dir
    try:
        module = __import__("main")
    except SyntaxError as e:
        return ["SYNTAX_ERROR", "%s, line %s: %s" % (os.path.relpath(e.filename or "main.py", root), e.lineno, e.msg)]
    except BaseException as e:
        return ["IMPORT_FAILED", "main.py failed while it was imported: " + _describe(e) + "\n" + _traceback(e)]
    main = getattr(module, "main", None)
    if not callable(main):
        return ["NO_MAIN_FUNCTION", "main.py defines no function main"]
    problem = _main_arity_problem(main, kind)
    if problem:
        return ["WRONG_MAIN_SIGNATURE", problem]
    _state["main"] = main
    _state["kind"] = kind
    _state["logger"] = _action_logger("action." + action_name)
    return None


def _action_logger(name):
    """logging.getLogger(name), as an _ActionLogger: the script that asks for the same name gets the same logger."""
    previous = logging.getLoggerClass()
    logging.setLoggerClass(_ActionLogger)
    try:
        return logging.getLogger(name)
    finally:
        logging.setLoggerClass(previous)


# One encoder for every record: json.dumps would build a new one per call.
_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def run(data, run_variables, max_output):
    """One invocation. Returns ["ok", records] or ["error", kind, message, traceback].

    run_variables is this run's own variables (ACTION_RUN_ID, and ORIGIN_CLUSTER_TOKEN where the caller
    issues one per run) as "name\\0value\\0name\\0value". records is the returned records as one JSON
    array text.
    """
    # Exactly the action's variables and the run's, whatever the last run changed; reset only when
    # something differs.
    parts = run_variables.split("\0")
    expected = dict(_state["env"])
    expected.update(zip(parts[0::2], parts[1::2]))
    for name in parts[0::2]:
        os.environ[name] = expected[name]
    if dict(os.environ) != expected:
        os.environ.clear()
        os.environ.update(expected)
    try:
        if _state["kind"] == "REALTIME":
            # data is marshal bytes, one char a byte (see PythonMarshal.java): real lists and dicts, fast.
            result = _state["main"](marshal.loads(data.encode("latin-1")), _state["logger"])
        else:
            result = _state["main"]()
        encoded = _encode(result, _state["kind"])
        if len(encoded) > max_output:
            raise ActionError("OUTPUT_TOO_LARGE", "main returned %d bytes of records, more than the limit of %d" % (
                len(encoded), max_output))
        return ["ok", encoded]
    except ActionError as e:
        return ["error", e.kind, str(e), None]
    except MemoryError as e:
        return ["error", "MEMORY_LIMIT", "the script ran out of memory: " + _describe(e), _traceback(e)]
    except SystemExit as e:
        return ["error", "EXITED", "the script called sys.exit(%s); return from main instead" % (
            "" if e.code is None else repr(e.code)), None]
    except BaseException as e:
        return ["error", "SCRIPT_ERROR", _describe(e), _traceback(e)]


def _encode(result, kind):
    """The returned records as one JSON array text; the runner splits it into the records' texts."""
    if result is None and kind == "SCHEDULED":
        return "[]"
    if not isinstance(result, list):
        raise ActionError("BAD_RETURN", "main returned %s; it must return a list of dicts%s" % (
            _type_name(result), " (return [] for no records)" if result is None else ""))
    for i, record in enumerate(result):
        if not isinstance(record, dict):
            raise ActionError("BAD_RETURN", "main returned a list whose item [%d] is %s; every item must be a dict" % (
                i, _type_name(record)))
    try:
        # One call for the whole list: GraalPy's encoder costs more to start than to run.
        return _ENCODER.encode(result)
    except (TypeError, ValueError):
        for i, record in enumerate(result):
            problem = _first_non_json(record, "[%d]" % i)
            if problem:
                raise ActionError("BAD_RETURN", "main returned a record that is not JSON: " + problem)
        raise


def _first_non_json(value, path):
    if isinstance(value, dict):
        for k, v in value.items():
            if not (k is None or isinstance(k, (str, int, float, bool))):
                return "%s has the key %r (%s); keys must be strings" % (path, k, _type_name(k))
            found = _first_non_json(v, "%s[%r]" % (path, k))
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = _first_non_json(v, "%s[%d]" % (path, i))
            if found:
                return found
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "%s is %r, which JSON cannot hold" % (path, value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return None
    return "%s is %s, not a JSON value (str, int, float, bool, None, list or dict)" % (path, _type_name(value))


def _type_name(value):
    if value is None:
        return "None"
    return "a " + type(value).__name__


def _describe(e):
    text = str(e)
    return type(e).__name__ + (": " + text if text else "")


def _traceback(e):
    import traceback
    # Drop the harness's own frame: the user's code starts below it.
    tb = e.__traceback__
    if tb is not None and tb.tb_frame.f_code.co_filename == _HARNESS_FILE:
        tb = tb.tb_next
    return _strip_root("".join(traceback.format_exception(type(e), e, tb)).rstrip())


def _strip_root(text):
    # Tracebacks name the package's files as the user knows them (main.py), not by the host's path.
    root = _state.get("root")
    return text.replace(root + os.sep, "") if root else text


def install(target, requirements_json, index_args_json):
    """Installs requirements into target with GraalPy's own pip. Returns [exit code, pip's output]."""
    import contextlib
    import ensurepip
    import glob
    import io
    wheels = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
    if not wheels:
        return [1, "GraalPy's bundled pip wheel was not found"]
    if wheels[0] not in sys.path:
        sys.path.insert(0, wheels[0])
    from pip._internal.cli.main import main as pip_main
    out = io.StringIO()
    args = ["install", "--no-input", "--disable-pip-version-check", "--no-cache-dir", "--progress-bar", "off",
            "--no-compile", "--target", target] + json.loads(index_args_json) + json.loads(requirements_json)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = pip_main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
    return [code or 0, out.getvalue()]
