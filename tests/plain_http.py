"""httpx's one-request functions and its Client, all on one TLS context. httpx makes a context and loads the CA
bundle into it for every client, and each of its one-request functions makes a client: about 30 ms of CPU a
request, even for the plain http the test servers speak, and the suite makes thousands. This is the context
runbase's SDK shares the same way (runbase.network.tls_context)."""

from __future__ import annotations

import functools

import httpx
from runbase.network import tls_context

get = functools.partial(httpx.get, verify=tls_context())
post = functools.partial(httpx.post, verify=tls_context())
put = functools.partial(httpx.put, verify=tls_context())
patch = functools.partial(httpx.patch, verify=tls_context())
delete = functools.partial(httpx.delete, verify=tls_context())
head = functools.partial(httpx.head, verify=tls_context())
request = functools.partial(httpx.request, verify=tls_context())
stream = functools.partial(httpx.stream, verify=tls_context())
Client = functools.partial(httpx.Client, verify=tls_context())
