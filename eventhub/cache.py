"""What a broken cache looks like, so callers can decide whether to fail open or closed."""

from redis.exceptions import RedisError

# A cache server that is down, refusing, or timing out. The local-memory cache never raises these.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
