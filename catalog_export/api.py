"""JSON API for cooperatives' catalogues, under /api/v1 (see api.py for tokens, scope, errors)."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from accounts.permissions import EDIT_CATALOGUE, vendor_scope
from api import ID, ApiBlueprint, api_user
from catalog_export import image_store
from catalog_export.exporters import EXPORTERS
from catalog_export.image_store import images_dir
from catalog_export.listings import end_listing, record_listing
from catalog_export.product_images import add_image, move_image, remove_image
from catalog_export.products import (
    archive_product,
    create_product,
    get_product,
    list_products,
    update_product,
)
from catalog_export.readiness import readiness, readiness_document
from catalog_export.schemas import (
    ImageMoveInput,
    ImageSchema,
    ListingEndInput,
    ListingInput,
    ListingSchema,
    PhotoUpload,
    PlatformSchema,
    ProductInput,
    ProductQueryArgs,
    ProductSchema,
    ProductUpdateInput,
    ReadinessArgs,
    ReadinessSchema,
)
from db import db
from i18n import in_language

# The languages a readiness report is written in; the source language first (the default).
REPORT_LANGUAGES = ("vi", "en")

blp = ApiBlueprint(
    "catalog_api", __name__,
    description="Products of cooperatives and household businesses, with their variants, to "
                "export to e-commerce platforms. A cooperative's manager keeps their own "
                "catalogue; administrators, commune staff and agents help the vendors of their "
                "area; provincial staff read only and do not see drafts. Products are archived, "
                "never deleted. Money is whole đồng, weights grams, sizes centimetres.",
)


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQueryArgs, location="query", as_kwargs=True)
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, vendor=None, status=None, q=""):
        """Products in your area, by name (archived ones only when asked for by status)"""
        products, total = list_products(
            db.session, api_user(), vendor_id=vendor, status=status, query=q,
            page=pagination_parameters.page, page_size=pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return products


@blp.route(f"/vendors/<{ID}:vendor_id>/products")
class VendorProducts(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.arguments(ProductInput)
    @blp.response(201, ProductSchema)
    @blp.alt_response(404, description="No such vendor in your area.")
    @blp.alt_response(409, description="The vendor already has a product with this SKU.")
    def post(self, data, vendor_id):
        """Add a product to a vendor's catalogue (a draft unless `status` is active)"""
        product = create_product(db.session, api_user(), vendor_id, data)
        db.session.commit()
        return product


@blp.route(f"/products/<{ID}:product_id>")
class ProductById(MethodView):
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, description="No such product in your area.")
    def get(self, product_id):
        """One product with its variants, images and listings"""
        return get_product(db.session, api_user(), product_id)

    @blp.requires(EDIT_CATALOGUE)
    @blp.arguments(ProductUpdateInput(partial=True))
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, description="No such product in your area.")
    @blp.alt_response(409, description="The vendor already has a product with this SKU.")
    def patch(self, data, product_id):
        """Change a product: only the fields sent; `variants` sent replace the variants"""
        product = update_product(db.session, api_user(), product_id, data)
        db.session.commit()
        return product


@blp.route(f"/products/<{ID}:product_id>/archive")
class ProductArchive(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, description="No such product in your area.")
    def post(self, product_id):
        """Archive a product: no longer sold or exported, kept with its history"""
        product = archive_product(db.session, api_user(), product_id)
        db.session.commit()
        return product


@blp.route(f"/products/<{ID}:product_id>/listings")
class ProductListings(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.arguments(ListingInput)
    @blp.response(201, ListingSchema)
    @blp.alt_response(404, description="No such product in your area.")
    @blp.alt_response(409, description="The product is already recorded at this address.")
    def post(self, data, product_id):
        """Record where the product is for sale online (the digitisation figures count it)"""
        listing = record_listing(db.session, api_user(), product_id, data)
        db.session.commit()
        return listing


@blp.route(f"/listings/<{ID}:listing_id>/end")
class ListingEnd(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.arguments(ListingEndInput)
    @blp.response(200, ListingSchema)
    @blp.alt_response(404, description="No such listing in your area.")
    def post(self, data, listing_id):
        """Record the first day the product was no longer listed there"""
        listing = end_listing(db.session, api_user(), listing_id, data["ended_on"])
        db.session.commit()
        return listing



@blp.route(f"/products/<{ID}:product_id>/images")
class ProductImages(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.arguments(PhotoUpload, location="files")
    @blp.response(201, ImageSchema)
    @blp.alt_response(404, description="No such product in your area.")
    @blp.alt_response(413, description="Over the upload limit.")
    def post(self, files, product_id):
        """Add a photo (multipart field `photo`) as the product's last image, at most 9"""
        image = add_image(db.session, api_user(), product_id, files["photo"].read(),
                          images_dir(current_app))
        db.session.commit()
        return image


@blp.route(f"/images/<{ID}:image_id>/move")
class ImageMove(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.arguments(ImageMoveInput)
    @blp.response(200, ImageSchema)
    @blp.alt_response(404, description="No such photo in your area.")
    def post(self, data, image_id):
        """Put a photo at a position among its product's (0: the cover)"""
        image = move_image(db.session, api_user(), image_id, data["position"])
        db.session.commit()
        return image


@blp.route(f"/images/<{ID}:image_id>")
class ImageById(MethodView):
    @blp.requires(EDIT_CATALOGUE)
    @blp.response(204)
    @blp.alt_response(404, description="No such photo in your area.")
    def delete(self, image_id):
        """Remove a photo and its files"""
        _product_id, files = remove_image(db.session, api_user(), image_id)
        db.session.commit()
        image_store.remove(images_dir(current_app), *files)
@blp.route("/platforms")
class Platforms(MethodView):
    @blp.response(200, PlatformSchema(many=True))
    def get(self):
        """The platforms and file formats products can be exported for, in the pages' order"""
        return list(EXPORTERS.values())


@blp.route(f"/vendors/<{ID}:vendor_id>/readiness")
class VendorReadiness(MethodView):
    @blp.arguments(ReadinessArgs, location="query", as_kwargs=True)
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(404, description="No such vendor in your area.")
    def get(self, vendor_id, platform=None):
        """The readiness report: each product on sale checked against each platform's rules
        before export (drafts are never exported). A product with errors is left out of that
        platform's file. Messages are in the language of `Accept-Language` (vi or en)."""
        report = readiness(db.session, vendor_scope(api_user()), vendor_id,
                           [platform] if platform else None,
                           public_base_url=current_app.config.get("PUBLIC_BASE_URL"))
        language = request.accept_languages.best_match(REPORT_LANGUAGES, default="vi")
        return readiness_document(report, lambda message: in_language(message, language))
