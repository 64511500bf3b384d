"""Whitespace tokenisation that keeps links whole and currency symbols (see ``words.py``).

With Rasa's own ``WhitespaceTokenizer`` 34 entity annotations of the NLU data
(amounts like "45,50 €" or "100$", links ending in "/") did not line up with
token boundaries and were dropped from entity training.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.components.words import words_of


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class CreatorTokenizer(WhitespaceTokenizer):
    """``WhitespaceTokenizer`` that keeps links whole and currency symbols as tokens."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        words = [self.remove_emoji(w) for w in words_of(text)]
        words = [w for w in words if w]
        if not words:
            words = [text]
        tokens = self._convert_words_to_tokens(words, text)
        return self._apply_token_pattern(tokens)
