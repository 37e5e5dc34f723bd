"""Reading the tap's Singer messages: a bad line stops the run naming the line and the problem.

Without this, the SDK ends with a traceback (or, for a RECORD whose `record` is null, drops it
without a word).

Problems of one record's values (wrong types, unreadable dates, text that is not Unicode) are
not input errors: validation rejects that record and the run goes on.
"""

from __future__ import annotations

import decimal
import json
import sys
import typing as t
from collections import Counter, defaultdict
from collections.abc import Callable

import orjson
from singer_sdk.exceptions import MissingKeyPropertiesError, RecordsWithoutSchemaException
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

from api_target_kit.errors import DeliveryError

MESSAGE_TYPES = ("RECORD", "SCHEMA", "STATE", "ACTIVATE_VERSION", "BATCH")
_OPEN_BRACE = ("{", b"{")
#: Set on a RECORD message whose values can all be written as JSON (read by orjson, which
#: refuses lone surrogates, invalid UTF-8, NaN and infinities): see `ApiTarget._process_record_message`.
VALUES_SENDABLE = "__api_target_kit_values_sendable__"
#: orjson reads an integer beyond 64 bits as a float; the standard library keeps it whole. A
#: line with 19 digits in a row may hold one (a cheap test: digits become "0", then a search).
_LONG_DIGIT_RUN: dict[type, tuple[t.Any, t.Any]] = {
    bytes: (bytes.maketrans(b"123456789", b"000000000"), b"0" * 19),
    str: (str.maketrans("123456789", "000000000"), "0" * 19),
}


class InvalidInputError(DeliveryError):
    """The input is not a valid Singer stream: the run stops at that line, without STATE."""


class RecordBeforeSchemaError(InvalidInputError, RecordsWithoutSchemaException):
    """A RECORD before its stream's SCHEMA (also the SDK's exception for it, which its tests expect)."""


class MissingKeyPropertyError(InvalidInputError, MissingKeyPropertiesError):
    """A record without a key property, where no sink rejects it (also the SDK's exception for it)."""


class SingerInputReader(SingerReader):
    """The SDK's reader, checking each line before the target acts on it.

    Input is read as UTF-8 whatever the locale; bytes that are not UTF-8 are kept as lone
    surrogates, so that validation rejects the record that holds them. Blank lines are skipped.
    """

    #: Called with the error before it is raised (the target writes its summary).
    on_invalid_input: Callable[[InvalidInputError], None] | None = None

    @property
    def default_input(self) -> t.IO[bytes] | t.IO[str]:  # type: ignore[override]
        """Standard input as bytes: orjson reads UTF-8 bytes without decoding them to text first."""
        buffer = getattr(sys.stdin, "buffer", None)
        return sys.stdin if buffer is None else buffer

    def process_lines(
        self,
        file_input: t.IO[bytes] | t.IO[str] | None,
        callbacks: dict[str, t.Callable[[dict[str, t.Any]], None]],
    ) -> t.Counter[str]:
        """Check and dispatch every line; stop at the first one that is not a valid message."""
        stats: dict[str, int] = defaultdict(int)
        number = 0
        try:
            lines: t.Iterable[bytes | str] = file_input or self.default_input
            for number, line in enumerate(lines, start=1):
                if line[:1] not in _OPEN_BRACE and not line.strip():  # a blank line
                    continue
                message = self._message(line, number)
                try:
                    callbacks[message["type"]](message)
                except RecordsWithoutSchemaException:
                    self._fail(
                        f"Input line {number}: a RECORD of stream {message['stream']!r} before its SCHEMA "
                        "(a tap sends each stream's SCHEMA first)",
                        RecordBeforeSchemaError,
                    )
                except MissingKeyPropertiesError as exc:
                    self._fail(f"Input line {number}: {exc}", MissingKeyPropertyError)
                except InvalidInputLine as exc:
                    self._fail(f"Input line {number}: {exc}")
                stats[message["type"]] += 1
        except UnicodeDecodeError as exc:  # an --input file opened in a strict encoding
            self._fail(f"Input line {number + 1} is not UTF-8 text: {exc.reason}")
        return Counter(**stats)

    def _message(self, line: bytes | str, number: int) -> dict[str, t.Any]:
        """The line's message; a RECORD is parsed by orjson, anything else by `_checked_message`.

        orjson is several times faster than `json.loads` and reads the same values, except that
        decimals become floats (payloads send them as floats anyway), integers beyond 64 bits
        become floats (so a line with 19 digits in a row is left to the standard library), and
        it refuses `NaN`/`Infinity` tokens and lone surrogates. Those lines, invalid ones, and
        SCHEMA and STATE (whose numbers must come back out exactly) take the SDK's own parser,
        so that values and error messages stay what they were.

        What orjson reads is valid Unicode and finite numbers, so its RECORDs are marked
        `VALUES_SENDABLE` (validation then skips `unsendable_value` for them).
        """
        digits_as_zero, long_run = _LONG_DIGIT_RUN[type(line)]
        if long_run not in line.translate(digits_as_zero):
            try:
                message = orjson.loads(line)
            except (orjson.JSONDecodeError, RecursionError):
                message = None
            if (
                type(message) is dict
                and message.get("type") == "RECORD"
                and type(message.get("stream")) is str
                and type(message.get("record")) is dict
            ):
                message[VALUES_SENDABLE] = True
                return message
        return self._checked_message(line, number)

    def _checked_message(self, line: bytes | str, number: int) -> dict[str, t.Any]:
        if isinstance(line, bytes):  # bytes that are not UTF-8 become lone surrogates: validation rejects them
            line = line.decode("utf-8", errors="surrogateescape")
        try:
            message = deserialize_json(line)
        except RecursionError:
            self._fail(f"Input line {number} is nested too deeply to read")
        except json.JSONDecodeError as exc:
            self._fail(f"Input line {number} is not valid JSON: {exc.msg} (character {exc.pos + 1})")
        except ValueError as exc:  # an integer of more than 4300 digits
            self._fail(f"Input line {number} is not valid JSON: {exc}")
        if not isinstance(message, dict):
            self._fail(f"Input line {number} is not a JSON object (a Singer message) but {kind(message)}")
        problem = message_problem(message)
        if problem:
            self._fail(f"Input line {number} {problem}")
        return message

    def _fail(self, text: str, error_type: type[InvalidInputError] = InvalidInputError) -> t.NoReturn:
        error = error_type(text)
        if self.on_invalid_input is not None:
            self.on_invalid_input(error)
        raise error


def message_problem(message: dict[str, t.Any]) -> str | None:
    """What makes `message` unusable as a Singer message, or None."""
    if "type" not in message:
        return "has no 'type': it is not a Singer message"
    kind_of = message["type"]
    if kind_of not in MESSAGE_TYPES:
        return f"has an unknown message type {kind_of!r} (Singer messages are {', '.join(MESSAGE_TYPES)})"
    if kind_of == "STATE":
        return None
    if not isinstance(message.get("stream"), str):
        return f"({kind_of}): 'stream' must be a string, not {kind(message.get('stream', MISSING))}"
    if kind_of == "RECORD" and not isinstance(message.get("record"), dict):
        return f"(RECORD of {message['stream']!r}): 'record' must be a JSON object, not {kind(message.get('record', MISSING))}"
    if kind_of == "SCHEMA":
        return schema_problem(message)
    return None


def schema_problem(message: dict[str, t.Any]) -> str | None:
    """What makes a SCHEMA message unusable, or None."""
    where = f"(SCHEMA of {message['stream']!r})"
    schema = message.get("schema", MISSING)
    if not isinstance(schema, dict):
        return f"{where}: 'schema' must be a JSON object, not {kind(schema)}"
    if not isinstance(schema.get("properties"), dict):
        return f"{where}: the schema has no 'properties' object"
    keys = message.get("key_properties")
    if keys is not None and not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        return f"{where}: 'key_properties' must be a list of field names, not {kind(keys)}"
    return None


MISSING = object()
#: JSON kinds by Python type, in the order they are tried (a bool is an int too).
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "true/false"),
    ((int, float, decimal.Decimal), "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


def kind(value: t.Any) -> str:
    """A JSON value's kind, for messages: `null`, `an array`, `a string`, `missing`, ..."""
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    return next((name for types, name in _KINDS if isinstance(value, types)), type(value).__name__)
