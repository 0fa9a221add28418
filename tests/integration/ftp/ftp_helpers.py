"""Clients for the FTP tests: Python's ftplib (with and without TLS session reuse), raw lines."""
import ftplib
import socket
import ssl

GOOD = "Correct-Horse-9-Battery"


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the server's certificate is self-signed
    return ctx


class ReusingFTP(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's TLS session, as the
    server requires by default (stock ftplib starts a new session on each data connection).
    `data_session` makes it resume another connection's session instead."""

    data_session = None

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.data_session or self.sock.session)
        return conn, size


def ftps(server, user="alice", password=GOOD, cls=ReusingFTP, passive=True, context=None):
    f = cls(context=context or tls_context(), timeout=20)
    f.connect("127.0.0.1", server.ftp_port)
    f.auth()
    f.login(user, password)
    f.prot_p()
    f.set_pasv(passive)
    return f


def plain(server, user="alice", password=GOOD):
    f = ftplib.FTP(timeout=20)
    f.connect("127.0.0.1", server.ftp_port)
    f.login(user, password)
    return f


class RawControl:
    """A bare control connection, to see the exact replies."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.file = self.sock.makefile("rb")
        self.greeting = self.read()

    def read(self):
        lines = [self.file.readline().decode()]
        if not lines[0]:
            return ""
        code = lines[0][:3]
        if lines[0][3:4] == "-":
            while not lines[-1].startswith(code + " "):
                lines.append(self.file.readline().decode())
        return "".join(lines)

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.read()

    def close(self):
        self.sock.close()


def raw_login(server, user="alice", password=GOOD):
    """A RawControl logged in over plain FTP (the site setting ssl_required turned off)."""
    server.run("site", "set", "ssl_required=false")
    c = RawControl(server.ftp_port)
    c.cmd("USER " + user)
    reply = c.cmd("PASS " + password)
    assert reply.startswith("230"), reply
    return c
