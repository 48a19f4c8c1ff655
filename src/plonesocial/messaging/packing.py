"""A conversation's inline messages, stored as one string (issue 13).

ZODB pickles a record with a Python ``persistent_id`` callback that it calls
for every object in it, strings and integers included: a conversation keeping
16 messages inline made about 240 such calls, most of the time a send spends
pickling its two copies. `pack` writes the messages' plain values with the C
pickler, which calls back only for the datetimes, into one bytes value, which
ZODB then stores as one object.

Only plain values are packed: str, int, bool, None, tuples, lists, dicts and
naive datetimes. Anything else (a persistent object would be copied into the
record, an object of another class would need that class to read it back)
makes `pack` return None, and the caller stores the messages as before.
`unpack` makes no object of a class other than datetime.
"""

import datetime
import io
import pickle


PROTOCOL = 5


class _Unpackable(Exception):
    """A value of the messages is not a plain one (see the module's text)."""


class _Packer(pickle.Pickler):
    def reducer_override(self, obj):
        # Called for every object but exact ints, floats, strs, bytes, dicts,
        # lists, tuples, sets, True, False and None.
        if obj is datetime.datetime or (
                type(obj) is datetime.datetime and obj.tzinfo is None):
            return NotImplemented  # pickled as usual: the class, then its value
        raise _Unpackable(type(obj).__name__)


class _Unpacker(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("datetime", "datetime"):
            return datetime.datetime
        raise pickle.UnpicklingError(f"not in a packed message: {module}.{name}")


def pack(messages):
    """The bytes of `messages` (objects whose attributes are plain values),
    without their ``__parent__``; None when one holds anything else."""
    values = []
    for message in messages:
        state = dict(message.__dict__)
        state.pop("__parent__", None)
        values.append(state)
    out = io.BytesIO()
    try:
        _Packer(out, PROTOCOL).dump(values)
    except (_Unpackable, pickle.PicklingError, TypeError):
        return None
    return out.getvalue()


def unpack(data, factory, parent):
    """The messages packed in `data`: instances of `factory` (made without
    calling its ``__init__``), each with `parent` as its ``__parent__``."""
    messages = []
    for state in _Unpacker(io.BytesIO(data)).load():
        message = factory.__new__(factory)
        message.__dict__.update(state)
        message.__parent__ = parent
        messages.append(message)
    return tuple(messages)
