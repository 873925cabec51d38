package threads

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// The memory API:
//
//	GET    /api/v1/threads/{thread_id}/memory          every block of the thread's agent
//	PATCH  /api/v1/threads/{thread_id}/memory/{label}  replace one block's value
//	GET    /api/v1/memory/human                        the user's shared human block
//	PATCH  /api/v1/memory/human                        replace its value
//	DELETE /api/v1/memory/human                        delete it (204, idempotent)
func (o *Orchestrator) mountMemory(g *echo.Group, route func(string, echo.HandlerFunc) echo.HandlerFunc) {
	g.GET("/threads/:thread_id/memory", route("memory_get", o.handleThreadMemory))
	g.PATCH("/threads/:thread_id/memory/:label", route("memory_edit", o.handleEditThreadMemory))
	g.GET("/memory/human", route("user_memory_get", o.handleUserMemory))
	g.PATCH("/memory/human", route("user_memory_edit", o.handleEditUserMemory))
	g.DELETE("/memory/human", route("user_memory_delete", o.handleDeleteUserMemory))
}

func (o *Orchestrator) handleThreadMemory(c echo.Context) error {
	m, err := o.ThreadMemory(c.Request().Context(), identity(c), c.Param("thread_id"))
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, m)
}

func (o *Orchestrator) handleEditThreadMemory(c echo.Context) error {
	if err := checkThreadID(c.Param("thread_id")); err != nil {
		return o.writeError(c, err)
	}
	var e MemoryEdit
	if err := o.decodeJSON(c, &e); err != nil {
		return o.writeError(c, err)
	}
	b, err := o.EditThreadMemory(c.Request().Context(), identity(c), c.Param("thread_id"), c.Param("label"), e)
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, b)
}

func (o *Orchestrator) handleUserMemory(c echo.Context) error {
	b, err := o.UserMemory(c.Request().Context(), identity(c))
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, b)
}

func (o *Orchestrator) handleEditUserMemory(c echo.Context) error {
	var e MemoryEdit
	if err := o.decodeJSON(c, &e); err != nil {
		return o.writeError(c, err)
	}
	b, err := o.EditUserMemory(c.Request().Context(), identity(c), e)
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, b)
}

func (o *Orchestrator) handleDeleteUserMemory(c echo.Context) error {
	if err := o.DeleteUserMemory(c.Request().Context(), identity(c)); err != nil {
		return o.writeError(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}
