"""Data side of the EmbSum trainer (docs/data.md).

Readers (MIND, Goodreads) -> by-user splits -> training examples / evaluation impressions ->
item tokens computed once (disk-cached) -> torch Datasets -> collators producing
:class:`embsum.model.batch.TrainBatch` and :class:`EvalBatch` -> DataLoader factories.
Histories and sessions come from the text contract (``embsum.text``), unchanged. The event
archive (Avro files of the Kafka topics, ``embsum.data.archive``) gives the same examples, split
by day.
"""

from embsum.data.archive import (
    ArchivedClick,
    ArchivedContent,
    ArchivedImpression,
    ArchiveError,
    EventArchive,
    read_archive,
)
from embsum.data.archive_examples import DaySplit, labelled_impressions, split_by_day
from embsum.data.collate import (
    EvalBatch,
    EvalCollator,
    TrainCollator,
    pack_users,
    pad_contents,
    summary_labels,
)
from embsum.data.dataset import EvalDataset, EvalSample, TrainDataset, TrainSample
from embsum.data.examples import (
    EvalImpression,
    EvalImpressions,
    HistorySource,
    NegativePool,
    TrainExample,
    TrainExamples,
    example_rng,
    sample_negatives,
)
from embsum.data.goodreads import (
    Book,
    GoodreadsCorpus,
    Rating,
    load_goodreads,
    read_goodbooks,
    read_ucsd_goodreads,
    user_timelines,
)
from embsum.data.goodreads_examples import (
    goodreads_catalog,
    goodreads_eval_impressions,
    goodreads_train_examples,
)
from embsum.data.history import history_entries, text_config_for, user_sessions
from embsum.data.items import ItemText, archive_items, book_items, news_items
from embsum.data.loader import EpochSampler, make_eval_loader, make_train_loader, seed_worker
from embsum.data.mind import (
    Impression,
    MindCorpus,
    NewsItem,
    load_mind,
    read_mind_behaviors,
    read_mind_news,
)
from embsum.data.mind_examples import mind_eval_impressions, mind_train_examples
from embsum.data.prepare import PreparedData, prepare_archive, prepare_goodreads, prepare_mind
from embsum.data.split import assign_split, split_by_user, user_bucket
from embsum.data.tokens import TokenStore, build_token_store, default_cache_dir, token_cache_key

__all__ = [name for name in dir() if not name.startswith("_")]
