"""Object storage with one global resourceVersion, a bounded per-resource event
history (the watch cache), watch fan-out and consistent paged reads.

Stored objects are never mutated after they are stored: writers build a new
dict, so readers may serialize without holding the lock. The JSON text of each
stored object is cached so that listing 10,000 objects is a string join.
"""
import bisect
import collections
import queue
import threading

from errors import dumps


class Event:
    __slots__ = ("rv", "type", "key", "obj", "old", "_json")

    def __init__(self, rv, typ, key, obj, old):
        self.rv = rv
        self.type = typ
        self.key = key
        self.obj = obj          # object after the change (DELETED: last state, RV = delete RV)
        self.old = old          # object before the change (None for ADDED)
        self._json = None

    def obj_json(self):
        if self._json is None:
            self._json = dumps(self.obj)
        return self._json


class Bucket:
    """All objects of one group+plural."""

    def __init__(self, history_size):
        self.objs = {}                          # key (ns, name) -> obj
        self.json = {}                          # key -> cached JSON text
        self.sorted_keys = None                 # cache, invalidated on add/remove
        self.history = collections.deque()      # Events, oldest first
        self.history_size = history_size
        self.evicted_upto = 0                   # highest RV dropped from history
        self.watchers = set()

    def keys(self):
        if self.sorted_keys is None:
            self.sorted_keys = sorted(self.objs)
        return self.sorted_keys


class Watcher:
    def __init__(self, bucket):
        self.bucket = bucket
        self.q = queue.Queue()

    def push(self, item):
        self.q.put(item)


class Store:
    def __init__(self, history_size=1000):
        self.lock = threading.RLock()
        self.rv = 1
        self.buckets = {}
        self.history_size = history_size
        self.listeners = []                     # callables(gr, event), called under the lock

    def bucket(self, gr):
        b = self.buckets.get(gr)
        if b is None:
            b = self.buckets[gr] = Bucket(self.history_size)
        return b

    def set_history_size(self, n):
        with self.lock:
            self.history_size = n
            for b in self.buckets.values():
                b.history_size = n
                self._trim(b)

    def _trim(self, b):
        while len(b.history) > b.history_size:
            ev = b.history.popleft()
            b.evicted_upto = ev.rv

    # -- reads -------------------------------------------------------------
    def get(self, gr, key):
        return self.bucket(gr).objs.get(key)

    def get_json(self, gr, key):
        b = self.bucket(gr)
        with self.lock:
            obj = b.objs.get(key)
            if obj is None:
                return None, None
            j = b.json.get(key)
            if j is None:
                j = b.json[key] = dumps(obj)
            return obj, j

    def items(self, gr):
        """Snapshot of (key, obj) pairs, sorted by key."""
        b = self.bucket(gr)
        with self.lock:
            return [(k, b.objs[k]) for k in b.keys()]

    def current_rv(self):
        return self.rv

    # -- writes ------------------------------------------------------------
    def next_rv(self):
        with self.lock:
            self.rv += 1
            return self.rv

    def _emit(self, gr, b, ev):
        b.history.append(ev)
        self._trim(b)
        for w in list(b.watchers):
            w.push(ev)
        for fn in self.listeners:
            fn(gr, ev)

    def put(self, gr, key, obj, typ):
        """Store obj (ADDED or MODIFIED); obj's resourceVersion must already be set."""
        b = self.bucket(gr)
        with self.lock:
            old = b.objs.get(key)
            if old is None:
                b.sorted_keys = None
            b.objs[key] = obj
            j = dumps(obj)
            b.json[key] = j
            ev = Event(int(obj["metadata"]["resourceVersion"]), typ, key, obj, old)
            ev._json = j
            self._emit(gr, b, ev)
            return obj

    def remove(self, gr, key, rv):
        b = self.bucket(gr)
        with self.lock:
            old = b.objs.pop(key, None)
            if old is None:
                return None
            b.json.pop(key, None)
            b.sorted_keys = None
            last = dict(old)
            last["metadata"] = dict(old["metadata"])
            last["metadata"]["resourceVersion"] = str(rv)
            self._emit(gr, b, Event(rv, "DELETED", key, last, old))
            return last

    # -- watch -------------------------------------------------------------
    def watch(self, gr, since_rv, initial):
        """Register a watcher. Returns (watcher, backlog events or initial objects, expired?).

        since_rv None: initial = current objects (as ADDED); else replay history after since_rv.
        """
        b = self.bucket(gr)
        with self.lock:
            w = Watcher(b)
            if since_rv is None:
                backlog = [Event(int(o["metadata"]["resourceVersion"]), "ADDED", k, o, None)
                           for k, o in ((k, b.objs[k]) for k in b.keys())]
            else:
                if since_rv < b.evicted_upto:
                    return None, None, True
                backlog = [ev for ev in b.history if ev.rv > since_rv]
            b.watchers.add(w)
            return w, backlog, False

    def unwatch(self, w):
        with self.lock:
            w.bucket.watchers.discard(w)

    def all_watchers(self):
        with self.lock:
            return [w for b in self.buckets.values() for w in b.watchers]

    # -- consistent snapshots for paging ----------------------------------
    def snapshot_at(self, gr, rv):
        """(sorted keys, {key: obj}) as of rv, rebuilt from history; None if history is gone."""
        b = self.bucket(gr)
        with self.lock:
            if rv >= self.rv:
                return b.keys(), b.objs, b.json
            if rv < b.evicted_upto:
                return None
            state = dict(b.objs)
            for ev in reversed(b.history):
                if ev.rv <= rv:
                    break
                if ev.type == "ADDED":
                    state.pop(ev.key, None)
                else:
                    state[ev.key] = ev.old
            return sorted(state), state, None


def key_after(keys, start):
    """Index of the first key >= start (start is a key tuple)."""
    return bisect.bisect_left(keys, start)
