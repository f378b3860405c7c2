"""The pages placards are printed on: a vendor's A6 card or A4 poster, and A4 sheets of 1, 2 or 4
placards with cut marks; sizes in mm."""

from __future__ import annotations

from dataclasses import dataclass

VENDOR_SIZES = ("a6", "a4")
PER_PAGE_CHOICES = (1, 2, 4)

CUT_MARK_WIDTH = 0.2  # mm
CUT_MARK_GAP = 2  # mm between a cut mark and the cell edge, and the sheet edge


@dataclass(frozen=True)
class Cell:
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    """A page: its size in mm, the cells placards fill in order, the type size class of
    templates/qr/placards.css, and whether cut marks are printed in the margins."""

    page_width: float
    page_height: float
    cells: tuple[Cell, ...]
    size: str
    cut_marks: bool

    @property
    def cell_styles(self) -> list[str]:
        """CSS placing each cell as a float: a cell at the leftmost edge starts a row, the first
        row is pushed down to its top edge; the cells of a row, and the rows, abut."""
        left = min(cell.left for cell in self.cells)
        top = min(cell.top for cell in self.cells)
        styles = []
        for cell in self.cells:
            style = f"width: {cell.width:g}mm; height: {cell.height:g}mm;"
            if cell.left == left:
                style += f" clear: left; margin-left: {cell.left:g}mm;"
            if cell.top == top:
                style += f" margin-top: {cell.top:g}mm;"
            styles.append(style)
        return styles

    def cut_mark_lines(self) -> list[tuple[float, float, float, float]]:
        """The cut marks, (x1, y1, x2, y2) in mm from the page's top left corner: short lines in
        the margins, in line with every edge of the cells, stopping CUT_MARK_GAP short of them and
        of the sheet's edge."""
        xs = sorted({c.left for c in self.cells} | {c.left + c.width for c in self.cells})
        ys = sorted({c.top for c in self.cells} | {c.top + c.height for c in self.cells})
        w, h, gap = self.page_width, self.page_height, CUT_MARK_GAP
        top, bottom, left, right = min(ys), max(ys), min(xs), max(xs)
        lines = [(x, gap, x, top - gap) for x in xs] + [(x, bottom + gap, x, h - gap) for x in xs]
        lines += [(gap, y, left - gap, y) for y in ys] + [(right + gap, y, w - gap, y) for y in ys]
        return lines


_MARGIN = 10  # mm around A4 sheets: past what office printers cannot reach, room for cut marks
_HALF_WIDTH, _HALF_HEIGHT = 105 - _MARGIN, 148.5 - _MARGIN
LAYOUTS = {
    "a6": Layout(105, 148, (Cell(0, 0, 105, 148),), "small", False),
    "a4": Layout(210, 297, (Cell(0, 0, 210, 297),), "large", False),
    1: Layout(210, 297, (Cell(_MARGIN, _MARGIN, 190, 277),), "large", True),
    2: Layout(210, 297, (Cell(_MARGIN, _MARGIN, 190, _HALF_HEIGHT),
                         Cell(_MARGIN, 148.5, 190, _HALF_HEIGHT)), "medium", True),
    4: Layout(210, 297, (Cell(_MARGIN, _MARGIN, _HALF_WIDTH, _HALF_HEIGHT),
                         Cell(105, _MARGIN, _HALF_WIDTH, _HALF_HEIGHT),
                         Cell(_MARGIN, 148.5, _HALF_WIDTH, _HALF_HEIGHT),
                         Cell(105, 148.5, _HALF_WIDTH, _HALF_HEIGHT)), "small", True),
}
