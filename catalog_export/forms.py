"""The product page's form, flat as a browser posts it, turned into what ProductInput loads, and
a product turned back into the form's values. The option axes are typed as names and lists of
values ("250 g, 500 g"); the variants are their combinations, one row each."""
from __future__ import annotations

from collections.abc import Mapping

from catalog_export.canonical import Certification
from catalog_export.models import Product
from catalog_export.products import variant_combinations

AXES = (1, 2)
PLAIN_FIELDS = ("name", "description", "status", "sku", "brand", "google_category_id", "origin",
                "price", "stock", "weight_grams", "length_cm", "width_cm", "height_cm", "gtin",
                "ocop_stars", "ocop_year", "shelf_life_days", "storage")
VARIANT_FIELDS = ("sku", "price", "stock", "weight_grams", "gtin")


def axes_of(form: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """The named axes with their values, in order; an axis without a name or values is none."""
    axes = []
    for number in AXES:
        name = form.get(f"axis{number}_name", "").strip()
        values = [value.strip() for value in form.get(f"axis{number}_values", "").split(",")]
        values = list(dict.fromkeys(value for value in values if value))
        if name and values:
            axes.append((name, values))
    return axes


def variant_rows(form: Mapping[str, str]) -> list[dict[str, str]]:
    """A row per combination of the axes, each with what the form holds for it (matched by the
    combination, so rows keep their figures when an axis gains a value)."""
    typed = {}
    count = (form.get("variant_count") or "0").strip()
    # A count the form did not write ("x", "99999999999") reads no rows rather than failing or
    # looping for ever; the schema refuses more than MAX_VARIANTS (100) variants anyway.
    count = int(count) if count.isascii() and count.isdigit() and len(count) < 5 else 0
    for index in range(min(count, 1000)):
        key = form.get(f"variant{index}_key")
        if key is not None:
            typed[key] = {name: form.get(f"variant{index}_{name}", "") for name in VARIANT_FIELDS}
    rows = []
    for options in variant_combinations(axes_of(form)):
        key = " / ".join(options.values())
        row = typed.get(key) or {name: "" for name in VARIANT_FIELDS}
        if not row["price"]:
            row = {**row, "price": form.get("price", "")}
        rows.append({"key": key, "options": options, **row})
    return rows


def input_of(form: Mapping[str, str], rows: list[dict]) -> dict:
    """What ProductInput loads, from the posted form; blank fields are missing values."""
    data: dict = {name: form[name] for name in PLAIN_FIELDS if form.get(name, "").strip()}
    if form.get("no_brand"):
        data["brand"] = None
    data["certifications"] = [c.value for c in Certification if form.get(f"cert_{c.value}")]
    data["option_names"] = [name for name, _ in axes_of(form)]
    data["variants"] = [
        {"options": row["options"],
         **{name: row[name] for name in VARIANT_FIELDS if str(row[name]).strip()}}
        for row in rows]
    data.setdefault("stock", "0")
    return data


def values_of(product: Product) -> dict:
    """The form's values for a recorded product."""
    values = {name: getattr(product, name) for name in PLAIN_FIELDS
              if name not in ("length_cm", "width_cm", "height_cm", "status")}
    values["status"] = product.status.value
    for name in ("length", "width", "height"):
        millimetres = getattr(product, f"{name}_mm")
        values[f"{name}_cm"] = "" if millimetres is None else (
            str(millimetres // 10) if millimetres % 10 == 0 else f"{millimetres / 10:.1f}")
    values["no_brand"] = product.brand is None
    for certification in product.certifications or ():
        values[f"cert_{certification}"] = "1"
    for number, name in enumerate(product.option_names or (), start=1):
        values[f"axis{number}_name"] = name
        values[f"axis{number}_values"] = ", ".join(dict.fromkeys(
            variant.options.get(name, "") for variant in product.variants))
    values["variant_count"] = str(len(product.variants))
    for index, variant in enumerate(product.variants):
        values[f"variant{index}_key"] = " / ".join(
            variant.options.get(name, "") for name in product.option_names)
        for name in VARIANT_FIELDS:
            value = getattr(variant, name)
            values[f"variant{index}_{name}"] = "" if value is None else str(value)
    return {name: ("" if value is None else value) for name, value in values.items()}
