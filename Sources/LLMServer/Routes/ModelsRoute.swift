import Hummingbird

/// `GET /v1/models`: the one model this server serves.
struct ModelsRoute: Sendable {
    let modelID: String
    let created: Int

    func handle() -> Response {
        JSONResponse.make(ModelListBody(data: [.init(id: modelID, created: created, owned_by: "candor")]))
    }
}
