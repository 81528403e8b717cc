"""Thread loaders and off_topic examples (models/threads.py).

The always-run tests read tiny XML files written here, in the shape of the real data;
the `shared` tests check the loaders against the published files and their known sizes.
"""

from collections import Counter

import pytest

from models import threads as th

CQA_XML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE xml [
<!ELEMENT xml (OrgQuestion*)>
]>
<xml version="1.0">
<OrgQuestion ORGQ_ID="Q1">
  <OrgQSubject>Good bank</OrgQSubject><OrgQBody>Which bank?</OrgQBody>
  <Thread THREAD_SEQUENCE="Q1_R1">
    <RelQuestion RELQ_ID="Q1_R1" RELQ_USERNAME="ann">
      <RelQSubject>Best  bank</RelQSubject>
      <RelQBody>Which bank is best
        in Doha?</RelQBody>
    </RelQuestion>
    <RelComment RELC_ID="Q1_R1_C1" RELC_USERNAME="bob" RELC_RELEVANCE2RELQ="Good">
      <RelCText>Commercial  bank is good.</RelCText></RelComment>
    <RelComment RELC_ID="Q1_R1_C2" RELC_USERNAME="cy" RELC_RELEVANCE2RELQ="Bad">
      <RelCText>lol</RelCText></RelComment>
    <RelComment RELC_ID="Q1_R1_C3" RELC_USERNAME="di" RELC_RELEVANCE2RELQ="PotentiallyUseful">
      <RelCText>Ask at the branch.</RelCText></RelComment>
  </Thread>
  <Thread THREAD_SEQUENCE="Q1_R2">
    <RelQuestion RELQ_ID="Q1_R2" RELQ_USERNAME="ed">
      <RelQSubject>Bank fees?</RelQSubject><RelQBody></RelQBody>
    </RelQuestion>
    <RelComment RELC_ID="Q1_R2_C1" RELC_USERNAME="fi" RELC_RELEVANCE2RELQ="Good">
      <RelCText>QNB charges nothing.</RelCText></RelComment>
  </Thread>
</OrgQuestion>
</xml>
"""

SE_XML = """<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" Title="What is a citra hop?" OwnerUserId="7"
       CreationDate="2014-01-21T20:26:05" Body="&lt;p&gt;I was offered a &lt;em&gt;citra&lt;/em&gt; beer.&lt;/p&gt;&lt;p&gt;Why care?&lt;/p&gt;" />
  <row Id="2" PostTypeId="1" Title="First beer ever brewed?" Body="" />
  <row Id="3" PostTypeId="2" ParentId="1" OwnerUserId="12" CreationDate="2014-01-21T20:40:00"
       Body="&lt;p&gt;Read the &lt;a href=&quot;http://x&quot;&gt;article&lt;/a&gt;.&lt;/p&gt;" />
  <row Id="4" PostTypeId="2" ParentId="1" CreationDate="2014-01-21T20:31:00"
       Body="&lt;p&gt;Citra is a hop.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;citrus&lt;/li&gt;&lt;li&gt;mango&lt;/li&gt;&lt;/ul&gt;" />
  <row Id="5" PostTypeId="5" Body="&lt;p&gt;tag wiki&lt;/p&gt;" />
</posts>
"""


@pytest.fixture
def cqa_dir(tmp_path):
    folder = tmp_path / "semeval2016_cqa"
    folder.mkdir()
    (folder / "SemEval2016-Task3-CQA-QL-dev.xml").write_text(CQA_XML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def se_dir(tmp_path):
    folder = tmp_path / "stackexchange_threads"
    folder.mkdir()
    (folder / "beer.stackexchange_Posts.xml").write_text(SE_XML, encoding="utf-8")
    return tmp_path


def make_threads(n_threads=12, replies=4, source="forum", prefix=""):
    """Synthetic threads, each on its own subject, every reply labelled Good."""
    return [{"id": f"{prefix}t{t}", "title": f"subject {prefix}{t}", "source": source,
             "group": None,
             "posts": [{"id": f"{prefix}t{t}p0", "text": f"question {prefix}{t}",
                        "author": None, "parent_id": None, "label": None}]
             + [{"id": f"{prefix}t{t}p{r}", "text": f"reply {prefix}{t}.{r}", "author": None,
                 "parent_id": f"{prefix}t{t}p0", "label": "Good"}
                for r in range(1, replies + 1)]}
            for t in range(n_threads)]


def test_load_cqa_reads_questions_comments_and_relevance(cqa_dir):
    first = th.load_cqa(cqa_dir, "dev")[0]
    assert first["title"] == "Best bank"
    assert first["group"] == "Q1" and first["source"] == "semeval2016_cqa"
    assert first["posts"][0] == {"id": "Q1_R1", "text": "Which bank is best in Doha?",
                                 "author": "ann", "parent_id": None, "label": None}
    assert [p["label"] for p in first["posts"][1:]] == ["Good", "Bad", "PotentiallyUseful"]
    assert all(p["parent_id"] == "Q1_R1" for p in first["posts"][1:])
    assert first["posts"][1]["text"] == "Commercial bank is good."


def test_load_cqa_keeps_an_empty_body_question_under_its_subject(cqa_dir):
    second = th.load_cqa(cqa_dir, "dev")[1]
    assert second["posts"][0]["text"] == "Bank fees?"


def test_load_stackexchange_strips_html_and_orders_answers(se_dir):
    question, empty = th.load_stackexchange(se_dir, "beer")
    assert question["title"] == "What is a citra hop?"
    assert question["source"] == "beer.stackexchange"
    assert question["posts"][0]["text"] == "I was offered a citra beer.\nWhy care?"
    assert question["posts"][0]["author"] == "7"
    # Answers come in creation order, not id order.
    assert [p["id"] for p in question["posts"][1:]] == ["4", "3"]
    assert question["posts"][1]["text"] == "Citra is a hop.\ncitrus\nmango"
    assert question["posts"][2]["text"] == "Read the article."
    assert all(p["label"] == "Good" and p["parent_id"] == "1" for p in question["posts"][1:])
    assert empty["posts"] == [{"id": "2", "text": "First beer ever brewed?", "author": None,
                               "parent_id": None, "label": None}]


def test_stackexchange_split_is_a_deterministic_partition(se_dir):
    ids = [t["id"] for t in th.load_stackexchange(se_dir, "beer")]
    train = [t["id"] for t in th.load_stackexchange(se_dir, "beer", split="train")]
    heldout = [t["id"] for t in th.load_stackexchange(se_dir, "beer", split="heldout")]
    assert sorted(train + heldout) == sorted(ids)
    shares = Counter(th.stackexchange_split("beer", str(i)) for i in range(2000))
    assert 0.17 < shares["heldout"] / 2000 < 0.23


def test_examples_are_deterministic_given_the_seed():
    threads = make_threads()
    assert th.offtopic_examples(threads, seed=3) == th.offtopic_examples(threads, seed=3)
    assert th.offtopic_examples(threads, seed=3) != th.offtopic_examples(threads, seed=4)


def test_injected_replies_come_from_other_threads():
    threads = make_threads()
    own = {t["id"]: {p["text"] for p in t["posts"]} for t in threads}
    injected = [e for e in th.offtopic_examples(threads, seed=0, inject_rate=1.0)
                if e["kind"] == "injected"]
    assert injected
    for example in injected:
        assert (example["text"] in own[example["thread_id"]]) == (example["label"] == 0)


def test_injection_skips_threads_of_the_same_group_and_source():
    threads = make_threads(6) + make_threads(6, source="other", prefix="o")
    for t in threads[:3]:
        t["group"] = "g1"
    by_id = {t["id"]: t for t in threads}
    by_text = {p["text"]: t for t in threads for p in t["posts"]}
    examples = th.offtopic_examples(threads, seed=1, inject_rate=1.0, acks=None)
    injected = [e for e in examples if e["kind"] == "injected" and e["label"] == 1]
    assert len(injected) == 12 * 4
    for e in injected:
        home, donor = by_id[e["thread_id"]], by_text[e["text"]]
        assert donor["source"] == home["source"]
        assert not (home["group"] == "g1" and donor["group"] == "g1")


def test_injected_labels_are_balanced_and_follow_inject_rate():
    examples = th.offtopic_examples(make_threads(10, replies=4), seed=0, inject_rate=0.5)
    counts = Counter(e["label"] for e in examples if e["kind"] == "injected")
    assert counts == {1: 20, 0: 20}


def test_cqa_relevance_maps_bad_to_off_topic_and_drops_potentially_useful(cqa_dir):
    examples = th.offtopic_examples(th.load_cqa(cqa_dir, "dev"), seed=0, acks=None)
    cqa = {(e["text"], e["kind"], e["label"]) for e in examples if e["kind"].startswith("cqa")}
    assert cqa == {("Commercial bank is good.", "cqa_good", 0), ("lol", "cqa_bad", 1),
                   ("QNB charges nothing.", "cqa_good", 0)}
    # The two threads share a group, so no reply is injected between them.
    assert not [e for e in examples if e["kind"] == "injected"]


def test_replies_by_the_asker_are_marked(cqa_dir):
    threads = th.load_cqa(cqa_dir, "dev")
    threads[0]["posts"][2]["author"] = "ann"
    examples = th.offtopic_examples(threads, seed=0, acks=None)
    marked = {e["text"] for e in examples if e["by_asker"]}
    assert marked == {"lol"}


def test_context_holds_title_opening_parent_and_at_most_five_previous_replies():
    thread = make_threads(2, replies=8)
    examples = th.offtopic_examples(thread, seed=0, inject_rate=1.0, acks=None)
    last = next(e for e in examples if e["label"] == 0 and e["text"] == "reply 0.8")
    assert last["title"] == "subject 0" and last["opening"] == "question 0"
    assert last["parent"] == "question 0"
    assert last["previous"] == [f"reply 0.{r}" for r in range(3, 8)]


def test_ack_lists_are_disjoint_and_large_enough():
    assert not set(th.ACKS_TRAIN) & set(th.ACKS_EVAL)
    assert len(th.ACKS_TRAIN) + len(th.ACKS_EVAL) >= 40
    assert len(set(th.ACKS_TRAIN)) == len(th.ACKS_TRAIN)


@pytest.mark.parametrize("which, forms", [("train", th.ACKS_TRAIN), ("eval", th.ACKS_EVAL)])
def test_acks_are_on_topic_and_drawn_from_the_requested_list(which, forms):
    examples = th.offtopic_examples(make_threads(40), seed=0, acks=which, ack_rate=1.0)
    acks = [e for e in examples if e["kind"] == "ack"]
    assert len(acks) == 40
    assert all(e["label"] == 0 and e["text"] in forms for e in acks)


def test_distinct_threads_drops_repeats_and_excluded_threads():
    threads = make_threads(4)
    repeat = {**threads[1], "id": "copy"}
    kept = th.distinct_threads(threads + [repeat], exclude=[threads[0]])
    assert [t["id"] for t in kept] == ["t1", "t2", "t3"]


@pytest.mark.shared
@pytest.mark.parametrize("split, n_threads, n_comments",
                         [("dev", 500, 5000), ("train", 670, 6700)])
def test_cqa_sizes_match_the_published_splits(shared_dir, split, n_threads, n_comments):
    threads = th.load_cqa(shared_dir / "data", split)
    assert len(threads) == n_threads
    assert sum(len(t["posts"]) - 1 for t in threads) == n_comments
    assert all(t["posts"][0]["text"] and t["title"] for t in threads)


@pytest.mark.shared
def test_stackexchange_beer_has_all_its_questions_and_answers(shared_dir):
    threads = th.load_stackexchange(shared_dir / "data", "beer")
    assert len(threads) == 663
    assert sum(len(t["posts"]) - 1 for t in threads) == 1572
    heldout = th.load_stackexchange(shared_dir / "data", "beer", split="heldout")
    assert 0.15 < len(heldout) / 663 < 0.25


@pytest.mark.shared
def test_clean_cqa_dev_shares_no_question_with_train(shared_dir):
    train = th.load_cqa(shared_dir / "data", "train")
    clean = th.distinct_threads(th.load_cqa(shared_dir / "data", "dev"), exclude=train)
    train_keys = {th._topic_key(t) for t in train}
    assert clean and not any(th._topic_key(t) in train_keys for t in clean)
