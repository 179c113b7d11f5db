// /docs: Swagger UI over the merged document. "Try it out" sends each request to this
// gateway (the document names no other server), with the token or API key given under
// "Authorize" (kept across reloads in this browser only).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  displayOperationId: true,
  displayRequestDuration: true,
  filter: true,
  persistAuthorization: true,
  tryItOutEnabled: true,
  defaultModelsExpandDepth: 0,
  onComplete: () => document.body.setAttribute("data-loaded", "true"),
});
