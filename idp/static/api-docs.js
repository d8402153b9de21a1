// The initializer of /api/docs: Swagger UI on the portal API's OpenAPI document. A static
// file, because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // the default would send the document to validator.swagger.io
    tryItOutEnabled: false,
  });
})();
