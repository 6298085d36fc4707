"""Roster import benchmark: import speed compared with merely reading the same file.

    uv run python bench/import_roster.py            # 100,000 rows into a fresh SQLite database
    uv run python bench/import_roster.py --quick    # 10,000 rows
    SHEQU_DATABASE_URL=postgres://... uv run python bench/import_roster.py --db postgres

Generates a realistic .xlsx roster (a few compounds, many buildings, households of one to five people
with valid ID numbers and phones, the format mix offices produce, a few bad rows), then times:

- reading: every row read with the importer's own reader (python-calamine) and nothing else;
- importing: the same file into a new community with ``import_roster`` (validation, places,
  households, persons, residences, tags, one audit event per person);
- importing it again: every row matched and unchanged (the idempotent re-import);
- the floor: reading the file plus writing exactly the rows the first import wrote (every table, found
  by primary key above the table's maximum before the import) with the bare bulk statement, into a
  copy of the database as it was before the import: executemany on SQLite, COPY on PostgreSQL, one
  transaction, no ORM, no validation. No importer can do less.

The last line printed is one JSON object; ``ratio`` is rows_per_s / read_rows_per_s and
``floor_ratio`` is rows_per_s / floor_rows_per_s. Never part of the test suite; the figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import graphlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

COMPOUNDS = [
    # name, buildings, units per building, floors (4 rooms a floor): 37,104 rooms, ~110,000 people
    ("富通小区", 80, 4, 6),
    ("阳光花园", 50, 3, 18),
    ("锦绣家园", 60, 2, 11),
    ("和平里", 120, 3, 5),
    ("江城御景", 24, 2, 32),
]
AREAS = ["420102", "420103", "420104", "420105", "420106", "420111", "420115", "421002", "421181",
         "422801", "110101", "310104", "440305", "510104", "330106", "411302", "430602", "360102"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子涵欣怡梓轩思雨建国志强春梅海燕"
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "153", "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "185",
                   "186", "187", "188", "189", "191", "199"]
HEADERS = ["序号", "姓名", "身份证号码", "联系电话", "小区", "楼栋", "单元", "房号", "与户主关系", "人员类型",
           "标签", "备注"]
CN_DIGITS = "零一二三四五六七八九"


def _name(rnd: random.Random, surname: str | None = None) -> str:
    return (surname or rnd.choice(SURNAMES)) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))


def _phone(rnd: random.Random) -> str:
    return rnd.choice(MOBILE_PREFIXES) + f"{rnd.randrange(10**8):08d}"


def generate_rows(n: int, seed: int = 2022) -> list[list[object]]:
    from shequ.core.idnumber import make_id_number

    rnd = random.Random(seed)
    today = dt.date(2022, 4, 1)
    used: set[str] = set()

    def id_number(birth: dt.date, male: bool) -> str:
        while True:
            seq = rnd.randrange(500) * 2 + (1 if male else 0)
            number = make_id_number(rnd.choice(AREAS), birth, seq)
            if number not in used:
                used.add(number)
                return number

    rooms = [
        (compound, b, u, f * 100 + d)
        for compound, buildings, units, floors in COMPOUNDS
        for b in range(1, buildings + 1)
        for u in range(1, units + 1)
        for f in range(1, floors + 1)
        for d in range(1, 5)
    ]
    rnd.shuffle(rooms)
    rows: list[list[object]] = []
    for compound, b, u, room in rooms:
        if len(rows) >= n:
            break
        style = rnd.random()
        building: object = (f"{b}号楼", f"{b}栋", f"{b}幢", b)[int(style * 4)]
        unit: object = (f"{u}单元", f"{CN_DIGITS[u]}单元", u)[rnd.randrange(3)] if u < 10 else u
        room_cell: object = (f"{room}室", room, str(room))[rnd.randrange(3)]
        head_birth = dt.date(1940, 1, 1) + dt.timedelta(days=rnd.randrange(365 * 55))
        size = rnd.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        surname = rnd.choice(SURNAMES)
        tenant = rnd.random() < 0.12
        members: list[tuple[str, dt.date, bool, str]] = []
        head_male = rnd.random() < 0.6
        members.append((_name(rnd, surname), head_birth, head_male, "户主"))
        if size >= 2:
            members.append((_name(rnd), head_birth + dt.timedelta(days=rnd.randrange(-1500, 1500)),
                            not head_male, "配偶"))
        for _ in range(max(0, size - 2) - (1 if size == 5 else 0)):
            birth = head_birth + dt.timedelta(days=365 * rnd.randrange(20, 36) + rnd.randrange(365))
            members.append((_name(rnd, surname), min(birth, today - dt.timedelta(days=30)), rnd.random() < 0.5,
                            rnd.choice(("子女", "儿子", "女儿", "子女"))))
        if size == 5:
            birth = head_birth - dt.timedelta(days=365 * rnd.randrange(22, 32))
            members.append((_name(rnd, surname), birth, rnd.random() < 0.5, rnd.choice(("父母", "父亲", "母亲"))))
        for name, birth, male, relation in members:
            if len(rows) >= n:
                break
            age = (today - birth).days // 365
            number: object = id_number(birth, male) if rnd.random() > 0.01 else ""
            if isinstance(number, str) and number.endswith("X") and rnd.random() < 0.3:
                number = number.lower()
            phone: object = _phone(rnd) if age >= 16 and rnd.random() < 0.92 else ""
            if phone and rnd.random() < 0.05:
                phone = f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
            if tenant:
                residency = rnd.choice(("租住", "租户", "流动人口", "暂住"))
                relation = "户主" if relation == "户主" else relation
            else:
                residency = rnd.choice(("常住", "常住", "常住", "户籍", ""))
            tags: list[str] = []
            if size == 1 and age >= 65:
                tags.append("独居老人")
            if age >= 50 and rnd.random() < 0.08:
                tags.append(rnd.choice(("慢性病:胰岛素 每日两次", "慢性病:高血压", "慢性病:透析 每周三次")))
            if rnd.random() < 0.02:
                tags.append("低保")
            note = rnd.choice(("", "", "", "", "", "", "", "", "", "行动不便", "常年在外地工作"))
            rows.append([len(rows) + 1, name, number, phone, compound, building, unit, room_cell, relation,
                         residency, "、".join(tags), note])
    # A few rows as they really arrive: full-width digits, stray spaces, and some plain mistakes.
    for row in rnd.sample(rows, max(1, n // 100)):
        row[1] = " " + str(row[1])[0] + " " + str(row[1])[1:]
        if isinstance(row[2], str):
            row[2] = row[2].translate(str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ"))
    for row in rnd.sample(rows, max(1, n // 500)):
        kind = rnd.randrange(3)
        if kind == 0 and isinstance(row[2], str) and row[2]:
            row[2] = row[2][:-1] + ("1" if row[2][-1] != "1" else "2")  # bad check character
        elif kind == 1:
            row[3] = "1380013800"  # a digit short
        else:
            row[6] = "第二单元层"
    return rows


def write_xlsx(rows: list[list[object]], path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人口登记表")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-reimport", action="store_true", help="skip timing the second import")
    parser.add_argument("--keep", action="store_true", help="keep the generated file and SQLite database")
    args = parser.parse_args()
    n = 10_000 if args.quick else args.rows

    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-"))
    os.environ["SHEQU_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    if args.db == "sqlite":
        os.environ.pop("SHEQU_DATABASE_URL", None)
    elif not os.environ.get("SHEQU_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("--db postgres needs SHEQU_DATABASE_URL=postgres://user@host:port/dbname")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    import django

    django.setup()
    from django.db import connection

    from shequ.registry.importer import import_roster, read_all_rows
    from shequ.registry.models import Community, Person, Street

    t = time.perf_counter()
    rows = generate_rows(n)
    path = workdir / "roster.xlsx"
    write_xlsx(rows, path)
    generate_s = time.perf_counter() - t
    print(f"generated {n} rows in {generate_s:.1f} s: {path} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)

    from _world import migrate  # bench/_world.py: a migrated copy on SQLite

    migrate()
    street, _created = Street.objects.get_or_create(code="bench", defaults={"name": "基准街道"})
    code = f"bench-{uuid.uuid4().hex[:8]}"
    community = Community.objects.create(street=street, code=code, name="基准社区")
    floor = Floor(workdir)  # a copy of the database as the import finds it, and each table's last key

    read_s = min(_timed(lambda: read_all_rows(path))[0] for _ in range(3))
    import_s, result = _timed(lambda: import_roster(community=community, path_or_file=path, actor=None))
    print(f"imported in {import_s:.1f} s: {result.created} created, {result.rejected_rows} rejected", file=sys.stderr)
    floor_write_s, floor_rows = floor.write_what_was_written()
    floor_s = read_s + floor_write_s
    print(f"floor: read {read_s:.2f} s + bare write of {sum(floor_rows.values())} rows {floor_write_s:.2f} s",
          file=sys.stderr)
    persons = Person.objects.filter(community=community).count()
    figures: dict[str, object] = {
        "db": connection.vendor,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "rejected_rows": result.rejected_rows,
        "persons_in_db": persons,
        "read_s": round(read_s, 3),
        "import_s": round(import_s, 3),
        "read_rows_per_s": round(result.rows / read_s),
        "rows_per_s": round(result.rows / import_s),
        "ratio": round(read_s / import_s, 3),
        "floor_write_s": round(floor_write_s, 3),
        "floor_rows_per_s": round(result.rows / floor_s),
        "floor_ratio": round(floor_s / import_s, 3),
        "floor_rows_written": floor_rows,
        "floor_write_s_by_table": {k: round(v, 3) for k, v in floor.seconds.items()},
        # Where the import's time went (ImportResult.timings), in microseconds a row.
        "import_us_per_row": {k: round(v / result.rows * 1e6, 1) for k, v in result.timings.items()},
    }
    if not args.no_reimport:
        reimport_s, again = _timed(lambda: import_roster(community=community, path_or_file=path, actor=None))
        figures |= {
            "reimport_s": round(reimport_s, 3),
            "reimport_rows_per_s": round(again.rows / reimport_s),
            "reimport_created": again.created,
            "reimport_updated": again.updated,
            "reimport_us_per_row": {k: round(v / again.rows * 1e6, 1) for k, v in again.timings.items()},
        }
    figures |= {"python": platform.python_version(), "cpus": os.cpu_count(), "generate_s": round(generate_s, 1)}
    connection.close()
    if args.keep:
        print(f"kept {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))


class Floor:
    """The bare bulk write of what an import wrote, for ``floor_rows_per_s``.

    Made before the import: a copy of the database (SQLite: the backup API into another file;
    PostgreSQL: ``CREATE DATABASE ... TEMPLATE``) and every table's largest integer primary key.
    ``write_what_was_written()`` then reads the rows above those keys from the imported database as
    the database stores them (text from COPY on PostgreSQL, sqlite3 without type conversion) and
    times writing them into the copy in one transaction: ``executemany`` of one INSERT per table on
    SQLite, ``COPY ... FROM STDIN`` per table on PostgreSQL. Returns (seconds, rows per table).
    """

    def __init__(self, workdir: Path) -> None:
        from django.apps import apps
        from django.db import connection, models

        self.vendor = connection.vendor
        self.seconds: dict[str, float] = {}  # the bare write's time per table, and its COMMIT
        self.tables: dict[str, tuple[str, list[str]]] = {}  # table: (primary key column, columns)
        self.other_tables: list[str] = []  # no integer key: must not grow during the import
        self.parents: dict[str, set[str]] = {}  # table: the tables its foreign keys point to
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or meta.db_table in self.tables:
                continue
            if isinstance(meta.pk, (models.AutoField, models.BigAutoField, models.SmallAutoField)):
                self.tables[meta.db_table] = (meta.pk.column, [f.column for f in meta.concrete_fields])
                self.parents[meta.db_table] = {f.related_model._meta.db_table for f in meta.concrete_fields
                                               if f.is_relation and f.related_model is not model}
            else:
                self.other_tables.append(meta.db_table)
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            self.last_key = {}
            for table, (pk, _columns) in self.tables.items():
                cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")  # noqa: S608 (model names)
                self.last_key[table] = cursor.fetchone()[0] or 0
            self.counts = self._counts(cursor, self.other_tables)
        settings = connection.settings_dict
        if self.vendor == "sqlite":
            import sqlite3

            self.source = str(settings["NAME"])
            self.copy = str(workdir / "floor.sqlite3")
            connection.ensure_connection()
            target = sqlite3.connect(self.copy)
            connection.connection.backup(target)
            target.close()
        else:
            self.copy = f"{settings['NAME']}_floor"
            self.admin = {k: v for k, v in connection.get_connection_params().items()
                          if k not in ("dbname", "cursor_factory", "context", "prepare_threshold")}
            connection.close()  # TEMPLATE needs the source database without other sessions
            self._admin(f'DROP DATABASE IF EXISTS "{self.copy}"')
            self._admin(f'CREATE DATABASE "{self.copy}" TEMPLATE "{settings["NAME"]}"')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.admin) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    @staticmethod
    def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (model names)
            counts[table] = cursor.fetchone()[0]
        return counts

    def write_what_was_written(self) -> tuple[float, dict[str, int]]:
        from django.db import connection

        with connection.cursor() as cursor:
            grown = [t for t, n in self._counts(cursor, self.other_tables).items() if n != self.counts[t]]
        if grown:  # the floor would leave these rows out
            raise SystemExit(f"the import wrote to tables without an integer key: {grown}")
        # Parents before children, as the importer writes them: a child row written first would be a
        # pending deferred foreign-key violation, and while one is pending SQLite searches every
        # child table on each insert into a parent table.
        graph = {t: self.parents[t] & self.tables.keys() - {t} for t in self.tables}
        with contextlib.suppress(graphlib.CycleError):  # a cycle: the models' order
            self.tables = {t: self.tables[t] for t in graphlib.TopologicalSorter(graph).static_order()}
        connection.close()
        if self.vendor == "sqlite":
            return self._sqlite()
        try:
            return self._postgres()
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{self.copy}"')

    def _sqlite(self) -> tuple[float, dict[str, int]]:
        import sqlite3

        source = sqlite3.connect(self.source)
        written: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
        for table, (pk, columns) in self.tables.items():
            names = ", ".join(f'"{c}"' for c in columns)
            select = f'SELECT {names} FROM "{table}" WHERE "{pk}" > ? ORDER BY "{pk}"'  # noqa: S608 (model names)
            rows = source.execute(select, (self.last_key[table],)).fetchall()
            if rows:
                marks = ", ".join("?" * len(columns))
                insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 (model names)
                written[table] = (insert, rows)
        source.close()
        # The settings' own connection options (WAL, synchronous=NORMAL, foreign keys on).
        target = sqlite3.connect(self.copy, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            target.execute(f"PRAGMA {pragma}")
        t = time.perf_counter()
        target.execute("BEGIN IMMEDIATE")
        for table, (sql, rows) in written.items():
            started = time.perf_counter()
            target.executemany(sql, rows)
            self.seconds[table] = time.perf_counter() - started
        started = time.perf_counter()
        target.execute("COMMIT")
        self.seconds["COMMIT"] = time.perf_counter() - started
        seconds = time.perf_counter() - t
        target.close()
        return seconds, {table: len(rows) for table, (_sql, rows) in written.items()}

    def _postgres(self) -> tuple[float, dict[str, int]]:
        import psycopg
        from django.db import connection

        settings = connection.settings_dict
        written: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
        with psycopg.connect(dbname=settings["NAME"], **self.admin) as source, source.cursor() as cursor:
            for table, (pk, columns) in self.tables.items():
                names = ", ".join(f'"{c}"' for c in columns)
                select = f'SELECT {names} FROM "{table}" WHERE "{pk}" > {int(self.last_key[table])}'  # noqa: S608
                query = f'COPY ({select} ORDER BY "{pk}") TO STDOUT'  # (model names)
                with cursor.copy(query) as copy:  # type: ignore[arg-type]
                    rows = list(copy.rows())  # every value as the text COPY gives it
                if rows:
                    written[table] = (f'COPY "{table}" ({names}) FROM STDIN', rows)
        with psycopg.connect(dbname=self.copy, **self.admin) as target, target.cursor() as cursor:
            t = time.perf_counter()
            for table, (sql, rows) in written.items():
                started = time.perf_counter()
                with cursor.copy(sql) as copy:  # type: ignore[arg-type]
                    for row in rows:
                        copy.write_row(row)
                self.seconds[table] = time.perf_counter() - started
            started = time.perf_counter()
            target.commit()  # the deferred foreign-key checks run here, as at the import's commits
            self.seconds["COMMIT"] = time.perf_counter() - started
            seconds = time.perf_counter() - t
        return seconds, {table: len(rows) for table, (_sql, rows) in written.items()}


def _timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


if __name__ == "__main__":
    main()
