"""Shared fixtures: a settings object in a temporary home, stores, and file makers."""

from __future__ import annotations

import io
import os
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench.config import Settings, load_settings
from workbench.corpus.segment import Segmenter
from workbench.nlp import load_pipeline
from workbench.store import open_store

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("WORKBENCH_") and name != "WORKBENCH_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    return load_settings(home=tmp_path / "home")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, settings: Settings):
    """A fresh migrated store on SQLite, and on PostgreSQL when WORKBENCH_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        store = open_store(settings)
        yield store
        store.close()
        return
    if not POSTGRES_URL:
        pytest.skip("set WORKBENCH_TEST_POSTGRES_URL to run the store tests on PostgreSQL "
                    "(.ci/run starts a server and sets it)")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    pg_settings = Settings(home=settings.home, database_url=POSTGRES_URL)
    store = open_store(pg_settings, connect_args={"options": f"-csearch_path={schema}"})
    yield store
    store.close()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(settings: Settings):
    store = open_store(settings)
    yield store
    store.close()


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    return Segmenter(load_pipeline("en_core_web_sm", sentences_only=True), max_tokens=200)


# -- the built app home of the page tests ---------------------------------------------------


@pytest.fixture(scope="session")
def built_app_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini sample ingested, the codebook imported, a fast run fitted and suggestions made
    (``app_fixtures.build_home``), once per session. Never changed: tests get copies."""
    from app_fixtures import build_home

    return build_home(tmp_path_factory.mktemp("app") / "home")


@pytest.fixture(scope="module")
def app_home_extras() -> Callable[[Path], None] | None:
    """What a page-test module adds to the built home, once per module; override it in the module
    (e.g. to confirm some suggestions). None: the built home as it is."""
    return None


@pytest.fixture(scope="module")
def module_app_home(built_app_home: Path, app_home_extras: Callable[[Path], None] | None,
                    tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built home with the module's extras added to a copy (the built home itself without extras)."""
    if app_home_extras is None:
        return built_app_home
    home = Path(shutil.copytree(built_app_home, tmp_path_factory.mktemp("app-extras") / "home"))
    app_home_extras(home)
    return home


@pytest.fixture
def app_home_copy(module_app_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the module's home with the app pointed at it: a test may change it freely."""
    import streamlit as st
    from app_fixtures import fresh_copy

    yield fresh_copy(module_app_home, tmp_path, monkeypatch)
    st.cache_resource.clear()


# -- real files made in the tests -----------------------------------------------------------

def make_pdf(paragraphs: list[str], title: str = "") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para)
        pdf.ln(4)
    return bytes(pdf.output())


def make_scanned_pdf() -> bytes:
    """A PDF whose page holds only a drawing: no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 150, 200, style="F")
    return bytes(pdf.output())


def make_encrypted_pdf(text: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf([text]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[str], heading: str = "", title: str = "") -> bytes:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    if heading:
        document.add_heading(heading, level=1)
    for para in paragraphs:
        document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()
