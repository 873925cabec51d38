package fakeodoo

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
)

const (
	contentJSON = "application/json; charset=utf-8"
	contentHTML = "text/html; charset=utf-8"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		writeHTML(w, http.StatusInternalServerError, internalErrorPage)
		return
	}
	w.Header().Set("Content-Type", contentJSON)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeHTML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", contentHTML)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// werkzeugPage is the HTML werkzeug renders for an HTTP exception.
func werkzeugPage(status int, description string) string {
	return "<!doctype html>\n<html lang=en>\n<title>" + strconv.Itoa(status) + " " + http.StatusText(status) +
		"</title>\n<h1>" + http.StatusText(status) + "</h1>\n<p>" + html.EscapeString(description) + "</p>\n"
}

// redirectToLogin answers like web's "/json/<path:subpath>" route (auth=user)
// does without a session: 303 to the login page.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/web/login?redirect=" + url.QueryEscape(r.URL.Path+"?"+r.URL.RawQuery)
	w.Header().Set("Location", target)
	writeHTML(w, http.StatusSeeOther, "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"+
		"<p>You should be redirected automatically to the target URL: <a href=\""+html.EscapeString(target)+"\">"+
		html.EscapeString(target)+"</a>. If not, click the link.\n")
}

// noDatabasePage is Odoo's 404 when no database is selected (unknown
// X-Odoo-Database) and the route is not server-wide.
const noDatabasePage = "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n" +
	"<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n" +
	"<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n" +
	"<!-- Alternatively, use the X-Odoo-Database header. -->\n"

// notFoundPage is a trimmed version of the website 404 page Odoo renders for
// unknown routes.
const notFoundPage = `<!DOCTYPE html>
<html>
    <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>Odoo</title>
        <link type="image/x-icon" rel="shortcut icon" href="/web/static/img/favicon.ico"/>
    </head>
    <body>
        <div id="wrapwrap">
            <main>
                <div id="wrap">
                    <div class="container">
                        <h1 class="visually-hidden">Error 404</h1>
                        <h2>We couldn't find the page you're looking for!</h2>
                        <p><b>Don't panic.</b> If you think it's our mistake, please send us a message on <a href="/contactus">this page</a>.</p>
                    </div>
                </div>
            </main>
        </div>
    </body>
</html>
`

const internalErrorPage = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n" +
	"<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n"
