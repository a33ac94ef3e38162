"""The asyncio flavour: ``async with AsyncClient(...) as client``, ``await``, ``async for``.

The same namespaces and arguments as :class:`assistd.Client`; also importable from ``assistd``.
"""

from ._async_client import AsyncClient
from ._async_streams import AsyncRunStream

__all__ = ["AsyncClient", "AsyncRunStream"]
