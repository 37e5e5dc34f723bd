"""Which vendor entity a stream loads into (`entities`, `unknown_streams`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from api_target_kit.errors import ConfigurationError, UnknownStreamError

FAIL = "fail"
IGNORE = "ignore"


class EntityRouter:
    """Maps stream names to entity names.

    A stream whose name is an entity name needs no entry in `entities`. Anything else is
    either an error naming the stream and the entities (`unknown_streams: fail`) or
    ignored with a warning (`ignore`).
    """

    def __init__(
        self,
        known_entities: Collection[str],
        entities: Mapping[str, str] | None = None,
        unknown_streams: str = FAIL,
    ) -> None:
        self.known_entities = tuple(known_entities)
        self.entities = dict(entities or {})
        if unknown_streams not in (FAIL, IGNORE):
            raise ConfigurationError(f"unknown_streams must be 'fail' or 'ignore', not {unknown_streams!r}")
        self.unknown_streams = unknown_streams
        for stream, entity in self.entities.items():
            if entity not in self.known_entities:
                raise ConfigurationError(
                    f"entities maps stream {stream!r} to {entity!r}, which is not an entity of this "
                    f"target; entities are: {', '.join(self.known_entities)}"
                )

    def entity_for(self, stream_name: str) -> str | None:
        """The entity for `stream_name`; None when it is to be ignored."""
        entity = self.entities.get(stream_name)
        if entity is None and stream_name in self.known_entities:
            entity = stream_name
        if entity is not None:
            return entity
        if self.unknown_streams == IGNORE:
            return None
        raise UnknownStreamError(
            f"Stream {stream_name!r} maps to no entity. Entities are: {', '.join(self.known_entities)}. "
            f'Map it with the `entities` setting (e.g. {{"{stream_name}": "{self.known_entities[0]}"}}) '
            "or set `unknown_streams: ignore` to skip it."
        )
