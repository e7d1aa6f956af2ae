"""The Thrift transport: TBinaryProtocol over plain (default) or framed sockets, one thread a
connection, with the C-accelerated codec from the thrift package."""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Optional

from hive_metastore import ThriftHiveMetastore
from thrift.protocol.TProtocol import TProtocolException
from thrift.Thrift import TApplicationException, TMessageType, TType
from thrift.transport import TSocket, TTransport

from ..app import Services
from ..gcpause import gc_paused
from .handler import Handler, implemented_methods
from .idl_hive4 import PROCESS_MAP as HIVE4_PROCESS_MAP
from .wire import ReplyTransport, WireProtocolFactory

log = logging.getLogger(__name__)

#: methods whose arguments can carry thousands of partitions: the collector is paused while
#: they are decoded and handled (see metastore.gcpause; a tenth of adding 1,000 partitions)
_BULK_WRITES = frozenset({
    "add_partitions", "add_partitions_req", "alter_partitions",
    "alter_partitions_with_environment_context", "alter_partitions_req",
})


class Processor(ThriftHiveMetastore.Processor):
    """The generated processor, limited to what the handler implements.

    Unimplemented methods answer TApplicationException(UNKNOWN_METHOD), which Hive, Spark,
    Trino and PyIceberg clients take as "fall back to an older call". A request whose
    arguments do not decode gets PROTOCOL_ERROR and the connection is closed.
    """

    def __init__(self, handler: Handler):
        super().__init__(handler)
        # Hive 4.0.1 methods the generated bindings lack (see idl_hive4)
        self._processMap.update(HIVE4_PROCESS_MAP)
        offered = set(implemented_methods(handler))
        self._processMap = {k: v for k, v in self._processMap.items() if k in offered}

    def process(self, iprot, oprot):
        name, mtype, seqid = iprot.readMessageBegin()
        fn = self._processMap.get(name)
        if fn is None:
            iprot.skip(TType.STRUCT)
            iprot.readMessageEnd()
            self._reply_error(oprot, name, seqid, TApplicationException.UNKNOWN_METHOD,
                              f"Invalid method name: '{name}'")
            return
        try:
            if name in _BULK_WRITES:
                with gc_paused():
                    fn(self, seqid, iprot, oprot)
            else:
                fn(self, seqid, iprot, oprot)
        except (TProtocolException, UnicodeDecodeError, ValueError, TypeError, AttributeError,
                OverflowError) as e:  # the C decoder raises OverflowError for negative lengths
            log.warning("malformed %s request: %s", name, e)
            self._reply_error(oprot, name, seqid, TApplicationException.PROTOCOL_ERROR,
                              f"Malformed arguments for {name}: {e}")
            raise TTransport.TTransportException(message="closing after malformed request") from e

    @staticmethod
    def _reply_error(oprot, name, seqid, kind, message):
        x = TApplicationException(kind, message)
        oprot.writeMessageBegin(name, TMessageType.EXCEPTION, seqid)
        x.write(oprot)
        oprot.writeMessageEnd()
        oprot.trans.flush()


def listen(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on host:port (port 0 picks a free one)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


class MetastoreServer:
    """A ThriftHiveMetastore server on host:port (port 0 picks a free one)."""

    def __init__(self, services: "Services", host: str = "127.0.0.1", port: int = 9083,
                 framed: bool = False, backlog: int = 128, sock: Optional[socket.socket] = None):
        """`sock`: an already listening socket (shared by several worker processes)."""
        self.services = services
        self.handler = services.handler()
        self.processor = Processor(self.handler)
        self.host = host
        self.framed = framed
        self._owns_socket = sock is None
        self._sock = sock if sock is not None else listen(host, port, backlog)
        # accept() wakes up regularly to notice stop(); a listening socket shared with other
        # processes must not be shut down by one of them.
        self._sock.settimeout(0.5)
        self.port = self._sock.getsockname()[1]
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._clients: set = set()
        self._lock = threading.Lock()
        self._pfactory = WireProtocolFactory()
        self._tfactory = TTransport.TFramedTransportFactory() if framed else TTransport.TBufferedTransportFactory()

    @property
    def uri(self) -> str:
        return f"thrift://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        log.info("lakeglue metastore listening on %s (%s transport)", self.uri, "framed" if self.framed else "buffered")
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                time.sleep(0.01)
                continue
            conn.settimeout(None)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve_client, args=(conn,), daemon=True).start()

    def start(self) -> "MetastoreServer":
        self._thread = threading.Thread(target=self.serve_forever, name="metastore-accept", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._owns_socket:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread:
            self._thread.join(timeout=5)
        self._sock.close()
        with self._lock:
            for c in list(self._clients):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread:
            self._thread.join(timeout=5)

    def _serve_client(self, conn: socket.socket) -> None:
        with self._lock:
            self._clients.add(conn)
        tsock = TSocket.TSocket()
        tsock.setHandle(conn)
        itrans = self._tfactory.getTransport(tsock)
        otrans = self._tfactory.getTransport(tsock) if self.framed else ReplyTransport(tsock)
        iprot = self._pfactory.getProtocol(itrans)
        oprot = self._pfactory.getProtocol(otrans)
        try:
            while not self._stopping.is_set():
                self.processor.process(iprot, oprot)
        except TTransport.TTransportException:
            pass  # client closed, or we closed after a malformed request
        except (TProtocolException, EOFError, ConnectionError, OSError) as e:
            log.info("closing connection after protocol error: %s", e)
        except Exception:
            log.exception("unexpected error serving a connection")
        finally:
            with self._lock:
                self._clients.discard(conn)
            try:
                conn.close()
            except OSError:
                pass
