"""A richer plugin: a component of the world `words` (`wit/words.wit`), written in Python.

Its exports take and return records, a variant, an enum and a result; `run` answers with a summary,
so a host of the simpler `plugin` world can run it too. Build it with
`witgen build wit/words.wit examples/plugins/words.py -o words.wasm`.
"""

from words_guest import (
    AnalysisError,
    AnalysisError_Empty,
    AnalysisError_TooLong,
    Err,
    LetterCase,
    Stats,
    Token,
    Token_Number,
    Token_Punct,
    Token_Word,
    Words,
)
from words_guest.imports import host

MAX_CHARS = 10_000  # the longest text `analyze` accepts


def letter_case(word: str) -> LetterCase:
    if word.islower():
        return LetterCase.LOWER
    if word.isupper():
        return LetterCase.UPPER
    if word.istitle():
        return LetterCase.TITLE
    return LetterCase.MIXED


def split(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        j = i + 1
        if c.isalpha():
            while j < len(text) and text[j].isalpha():
                j += 1
            tokens.append(Token_Word(text[i:j]))
        elif c.isdigit():
            while j < len(text) and text[j].isdigit():
                j += 1
            tokens.append(Token_Number(int(text[i:j])))
        elif not c.isspace():
            tokens.append(Token_Punct(c))
        i = j
    return tokens


class WordsPlugin(Words):
    def run(self, param: str) -> str:
        try:
            stats = self.analyze(param)
        except Err as err:
            reason: AnalysisError = err.value
            host.log(f"cannot analyse: {reason}")
            return "nothing to analyse" if isinstance(reason, AnalysisError_Empty) else "too long"
        host.log(f"analysed {len(param)} characters")
        return f"{stats.words} word(s), {stats.numbers} number(s), longest: {stats.longest}"

    def tokenize(self, text: str) -> list[Token]:
        return split(text)

    def analyze(self, text: str) -> Stats:
        if not text.strip():
            raise Err(AnalysisError_Empty())
        if len(text) > MAX_CHARS:
            raise Err(AnalysisError_TooLong(MAX_CHARS))
        words = [t.value for t in split(text) if isinstance(t, Token_Word)]
        numbers = [t for t in split(text) if isinstance(t, Token_Number)]
        longest = max(words, key=len) if words else None
        return Stats(
            words=len(words),
            numbers=len(numbers),
            longest=longest,
            longest_case=letter_case(longest) if longest else None,
        )
