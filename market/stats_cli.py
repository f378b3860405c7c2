"""`flask stats share|series`: the digitisation figures on the command line, as JSON or CSV."""
from __future__ import annotations

import csv
import datetime as dt
import json
import sys

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from db import db
from domain_errors import DomainError
from market.dashboard import area_code, resolve_area
from market.stats import area_unit, monthly_series
from market.stats_schemas import SeriesArgs, SeriesSchema, ShareArgs
from schema_fields import flat_messages

FORMAT = click.Choice(["json", "csv"])


@click.group("stats", help="Số liệu số hóa chợ: tỉ lệ tiểu thương nhận thanh toán không dùng "
                           "tiền mặt.")
def stats_cli() -> None:
    pass


def _load(schema, values: dict) -> dict:
    try:
        return schema.load({key: value for key, value in values.items() if value is not None})
    except ValidationError as error:
        fields = "; ".join(f"--{name}: {' '.join(messages)}"
                           for name, messages in flat_messages(error.messages).items())
        raise click.UsageError(fields) from error


def _area(args: dict):
    try:
        return resolve_area(db.session, args.get("province"), args.get("ward"), args.get("market"))
    except DomainError as error:
        raise click.UsageError(str(error.message)) from error


@stats_cli.command("share")
@click.option("--province", required=True, help="Mã tỉnh/thành (2 chữ số).")
@click.option("--ward", help="Mã xã/phường (5 chữ số) trong tỉnh.")
@click.option("--market", type=int, help="Số của chợ trong tỉnh.")
@click.option("--date", "day", required=True, help="Ngày, dạng YYYY-MM-DD.")
@click.option("--format", "output", type=FORMAT, default="json", show_default=True)
@with_appcontext
def share_command(province, ward, market, day, output) -> None:
    """Tỉ lệ trong ngày của đơn vị hẹp nhất được chọn, cùng các đơn vị bên dưới.

    JSON: {date, level, code, name, active, cashless, share (0..1 hoặc null), children}.
    """
    args = _load(ShareArgs(), {"province": province, "ward": ward, "market": market,
                               "date": day})
    unit = area_unit(db.session, args["date"], _area(args))
    if output == "json":
        click.echo(json.dumps(unit.as_dict(args["date"]), ensure_ascii=False, indent=2))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["date", "level", "code", "name", "active", "cashless", "share"])

    def rows(data: dict):
        yield [args["date"].isoformat(), data["level"], data["code"], data["name"],
               data["active"], data["cashless"], "" if data["share"] is None else data["share"]]
        for child in data["children"]:
            yield from rows(child)

    writer.writerows(rows(unit.as_dict()))


@stats_cli.command("series")
@click.option("--province", required=True, help="Mã tỉnh/thành (2 chữ số).")
@click.option("--ward", help="Mã xã/phường (5 chữ số) trong tỉnh.")
@click.option("--market", type=int, help="Số của chợ trong tỉnh.")
@click.option("--from", "first", required=True, help="Tháng đầu, dạng YYYY-MM.")
@click.option("--to", "last", required=True, help="Tháng cuối, dạng YYYY-MM.")
@click.option("--format", "output", type=FORMAT, default="json", show_default=True)
@with_appcontext
def series_command(province, ward, market, first, last, output) -> None:
    """Tỉ lệ vào ngày cuối của mỗi tháng, từ tháng đầu đến tháng cuối.

    JSON: {level, code, name, months: [{month, date, active, cashless, share}]}.
    """
    args = _load(SeriesArgs(), {"province": province, "ward": ward, "market": market,
                                "from": first, "to": last})
    area = _area(args)
    figures = monthly_series(db.session, area, args["first"], args["last"],
                             until=dt.date.today())
    unit = area_unit(db.session, figures[-1].day, area)
    data = SeriesSchema().dump({"level": area.level, "code": area_code(area), "name": unit.name,
                                "months": figures})
    if output == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["month", "date", "active", "cashless", "share"])
    for month in data["months"]:
        writer.writerow([month["month"], month["date"], month["active"], month["cashless"],
                         "" if month["share"] is None else month["share"]])
