/*
 * videoengage's GraphiQL: the whole API from one page. Queries and mutations go over HTTP to this
 * page's own URL; subscriptions go over a WebSocket to the same path (graphql-transport-ws, with
 * GraphiQL's bundled graphql-ws client). The headers tab is sent with every HTTP request and, for the
 * socket, as the connection_init payload: one token, entered once, serves both.
 * A file of its own, not an inline script, so the page's Content-Security-Policy needs no unsafe-inline.
 */
(function () {
  "use strict";

  // GraphiQL's dialogs add a <style> element; it carries the nonce the page's policy allows
  // (react-style-singleton reads this global). The nonce is on this script's own element.
  window.__webpack_nonce__ = document.currentScript.nonce;

  var DEFAULT_QUERY = [
    "# videoengage API. Most fields need a",
    "# token: in the Headers tab below, enter",
    '#   {"Authorization": "Bearer <token>"}',
    "# (scripts/dev prints one). Queries,",
    "# mutations and subscriptions all use it.",
    "# Docs (book icon): every type and field.",
    "",
    "query ViewerAndVideos {",
    "  viewer {",
    "    displayName",
    "  }",
    "  videos(first: 3) {",
    "    edges {",
    "      node {",
    "        id",
    "        title",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  var http = new URL(window.location.pathname, window.location.href);
  var socket = new URL(http.href);
  socket.protocol = http.protocol === "https:" ? "wss:" : "ws:";

  var fetcher = GraphiQL.createFetcher({ url: http.href, subscriptionUrl: socket.href });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: "headers",
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    })
  );
})();
