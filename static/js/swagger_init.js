// Starts Swagger UI on /api/docs (templates/swagger_ui.html) with the document's address and
// the app's settings (OPENAPI_SWAGGER_UI_CONFIG) read from the page: a file rather than an
// inline script, which the site's Content-Security-Policy does not run.
(function () {
  'use strict';
  var container = document.getElementById('swagger-ui-container');
  var config = JSON.parse(document.getElementById('swagger-ui-config').textContent);
  config.url = container.getAttribute('data-spec-url');
  config.dom_id = '#swagger-ui-container';
  window.ui = window.SwaggerUIBundle(config);
})();
