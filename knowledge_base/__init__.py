"""The creator-support knowledge base: articles, validation, embeddings, hybrid search.

A library: it imports neither Flask nor Rasa, so the action server, the hub's
editor and the ``kb`` command all use it the same way.
"""

from knowledge_base.articles import Article, Passage
from knowledge_base.search import KnowledgeBase, SearchHit, SearchResult

__all__ = ["Article", "Passage", "KnowledgeBase", "SearchHit", "SearchResult"]
