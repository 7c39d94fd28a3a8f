"""The built knowledge is cached on disk by hash: reused while unchanged, never trusted when stale or broken."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.knowledge import check_knowledge
from bot.knowledgecache import cache_path, knowledge_key

if TYPE_CHECKING:
    from conftest import Deployment


def test_cache_is_reused_and_follows_edits(deployment: Deployment, tmp_path) -> None:
    knowledge_dir, cache = deployment.root / "knowledge", tmp_path / "cache"
    first, problems = check_knowledge(knowledge_dir, cache)
    assert first is not None and not problems
    assert cache_path(cache, knowledge_key(knowledge_dir)).exists()
    again, _ = check_knowledge(knowledge_dir, cache)
    assert again is not None and again.procedures == first.procedures

    path = deployment.procedures / "xe.yaml"
    lines = deployment.lines(path)
    n = deployment.line_of(lines, "  name:")
    lines[n - 1] = "  name: Đăng ký xe máy (tên đã sửa)"
    deployment.write_lines(path, lines)
    edited, _ = check_knowledge(knowledge_dir, cache)
    assert edited is not None and edited.procedures["xe.dang-ky"].name == "Đăng ký xe máy (tên đã sửa)"
    assert len(list(cache.glob("knowledge-*.pickle"))) == 2  # both versions kept, each under its own key
    for n in range(6):  # more versions than the folder keeps: the oldest go
        lines[deployment.line_of(lines, "  name:") - 1] = f"  name: Đăng ký xe máy {n}"
        deployment.write_lines(path, lines)
        check_knowledge(knowledge_dir, cache)
    assert len(list(cache.glob("knowledge-*.pickle"))) == 4


def test_corrupt_cache_is_rebuilt(deployment: Deployment, tmp_path) -> None:
    knowledge_dir, cache = deployment.root / "knowledge", tmp_path / "cache"
    check_knowledge(knowledge_dir, cache)
    stored = cache_path(cache, knowledge_key(knowledge_dir))
    stored.write_bytes(stored.read_bytes()[:1000])  # truncated, as after a crash or a full disk
    knowledge, problems = check_knowledge(knowledge_dir, cache)
    assert knowledge is not None and not problems
    assert "ho-tich.khai-sinh" in knowledge.procedures


def test_invalid_knowledge_is_reported_not_cached(deployment: Deployment, tmp_path) -> None:
    knowledge_dir, cache = deployment.root / "knowledge", tmp_path / "cache"
    path = deployment.procedures / "xe.yaml"
    lines = deployment.lines(path)
    n = deployment.line_of(lines, "  fees:")
    lines[n - 1] = "  fees: lệ phí: theo quy định"
    deployment.write_lines(path, lines)
    knowledge, problems = check_knowledge(knowledge_dir, cache)
    assert knowledge is None and problems
    assert not list(cache.glob("knowledge-*.pickle"))
    # Unwritable cache location: the knowledge still loads.
    (tmp_path / "file").write_text("x")
    deployment.write_lines(
        path, [line if not line.startswith("  fees:") else "  fees: Theo quy định" for line in lines]
    )
    knowledge, problems = check_knowledge(knowledge_dir, tmp_path / "file" / "cache")
    assert knowledge is not None and not problems


def test_cached_knowledge_answers_like_the_built_one(knowledge) -> None:
    import pickle

    from bot.understanding import understand

    restored = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(knowledge))))  # a reload re-caches it
    for question in ("lam giay khai sinh cho con", "đăng ký tạm trú hết bao nhiêu tiền", "chứng thực", "thoi tiet"):
        assert understand(restored, question) == understand(knowledge, question)
        assert restored.procedure_index.search(question) == knowledge.procedure_index.search(question)
