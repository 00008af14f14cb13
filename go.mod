module github.com/cocos-go/cocos

go 1.26.8
